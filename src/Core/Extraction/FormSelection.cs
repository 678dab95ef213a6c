using System.Globalization;

namespace Form3Actors.Core.Extraction;

/// <summary>
/// Which ownership forms a run takes: any of Forms 3, 4 and 5, each with its amendment (3/A, 4/A, 5/A). A filing of
/// another of these forms becomes an ERRORS row (<see cref="ErrorKind.FormNotSelected"/>), counted, never dropped.
/// </summary>
public sealed record FormSelection
{
    static readonly int[] OwnershipForms = [3, 4, 5];

    /// <summary>What a run takes unless told otherwise: Form 3, the initial statement.</summary>
    public static readonly FormSelection Default = new([3]);

    public static readonly FormSelection All = new(OwnershipForms);

    FormSelection(IEnumerable<int> forms) => Forms = [.. forms.Distinct().Order()];

    /// <summary>The base forms taken, ascending.</summary>
    public IReadOnlyList<int> Forms { get; }

    /// <summary>Parses a list such as <c>3,4,5</c>; throws <see cref="FormatException"/> saying what is wrong.</summary>
    public static FormSelection Parse(string text)
    {
        var forms = new List<int>();
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var form) || !OwnershipForms.Contains(form))
                throw new FormatException($"'{part}' is not an ownership form: give forms 3, 4 and 5 separated by commas, for example 3,4,5");
            forms.Add(form);
        }
        if (forms.Count == 0) throw new FormatException("no form given: give forms 3, 4 and 5 separated by commas, for example 3,4,5");
        return new FormSelection(forms);
    }

    /// <summary>The base form of an ownership document type (4 for "4/A"), or null for any other type.</summary>
    public static int? BaseForm(string documentType) => documentType switch
    {
        "3" or "3/A" => 3,
        "4" or "4/A" => 4,
        "5" or "5/A" => 5,
        _ => null,
    };

    public bool Takes(string documentType) => BaseForm(documentType) is { } form && Forms.Contains(form);

    /// <summary>Refuses a document type this run does not take, saying why.</summary>
    public void Check(string documentType, string stage, string source)
    {
        if (Takes(documentType)) return;
        if (documentType.Length == 0)
            throw new BadFilingException(stage, ErrorKind.NotOwnershipForm, $"not an ownership form: {source} gives no document type");
        if (BaseForm(documentType) is null)
            throw new BadFilingException(stage, ErrorKind.NotOwnershipForm, $"not an ownership form (3, 4 or 5): document type {documentType}");
        throw new BadFilingException(stage, ErrorKind.FormNotSelected,
            $"a Form {documentType}, which this run does not take (forms {this}); give --forms {All} to take it");
    }

    public bool Equals(FormSelection? other) => other is not null && Forms.SequenceEqual(other.Forms);

    public override int GetHashCode() => Forms.Aggregate(0, (hash, form) => hash * 10 + form);

    public override string ToString() => string.Join(",", Forms);
}
