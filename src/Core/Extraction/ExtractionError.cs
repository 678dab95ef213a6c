namespace Form3Actors.Core.Extraction;

/// <summary>Where in the pipeline an input was rejected; written to ERRORS.csv as STAGE.</summary>
public static class Stage
{
    public const string Read = "read";
    public const string Envelope = "envelope";
    public const string Xml = "xml";
    public const string Extract = "extract";
    public const string Process = "process";
}

/// <summary>Why an input produced no rows; written to ERRORS.csv as ERROR_KIND. Values are a public contract.</summary>
public static class ErrorKind
{
    public const string MissingFile = "missing_file";
    /// <summary>The path cannot lead to a file: a loop of symbolic links, or a name longer than the system allows.</summary>
    public const string BadPath = "bad_path";
    public const string IoError = "io_error";
    public const string NotRegularFile = "not_regular_file";
    public const string Empty = "empty";
    public const string TooLarge = "too_large";
    public const string Binary = "binary";
    public const string Unrecognized = "unrecognized";
    public const string Truncated = "truncated";
    public const string NotOwnershipForm = "not_ownership_form";
    public const string FormNotSelected = "form_not_selected";
    public const string Encoding = "encoding";
    public const string DtdForbidden = "dtd_forbidden";
    public const string InvalidXml = "invalid_xml";
    public const string NotOwnershipXml = "not_ownership_xml";
    public const string RetriesExhausted = "retries_exhausted";
}

/// <summary>One input that produced no rows, with a reason a person can act on.</summary>
public sealed record ExtractionError(string Stage, string Kind, string Message);

/// <summary>
/// Expected bad input: thrown inside the extractor and turned into an <see cref="ExtractionError"/> at its boundary,
/// and thrown by <see cref="FilingReader"/> for files that cannot be read, which the worker reports.
/// </summary>
public sealed class BadFilingException(string stage, string kind, string message, FileVersion? version = null) : Exception(message)
{
    public ExtractionError Error { get; } = new(stage, kind, message);

    /// <summary>The version of the file the refusal is about, when the reader got that far (null: the file could not be checked).</summary>
    public FileVersion? Version { get; } = version;
}
