namespace Form3Actors.Core.Extraction;

/// <summary>The output tables: one CSV file each, named and ordered as in the README's data dictionary (the SEC data sets' names).</summary>
public enum Table
{
    Submission,
    ReportingOwner,
    NonDerivHolding,
    DerivHolding,
    NonDerivTrans,
    DerivTrans,
    Footnotes,
    OwnerSignature,
    Form3Summary,
    Errors,
}

/// <summary>What a column's cells hold (the README's data dictionary gives each column's).</summary>
public enum ColumnType
{
    Text,
    /// <summary>An ISO date, <c>2024-01-05</c>.</summary>
    Date,
    /// <summary>An ISO date and time without offset, <c>2022-04-07T17:11:46</c> (EDGAR's clock, US Eastern).</summary>
    Timestamp,
    /// <summary>A decimal number as filed: shares, prices, values.</summary>
    Number,
    /// <summary><c>1</c> or <c>0</c>.</summary>
    Flag,
    /// <summary>A whole number: a row's position in its filing (<c>*_SK</c>), a document count, attempts.</summary>
    Count,
}

/// <summary>File names and column orders of the tables. This is the contract; the README's data dictionary documents it.</summary>
public static class TableSchema
{
    public static readonly IReadOnlyList<Table> All = Enum.GetValues<Table>();

    public static string FileName(Table table) => table switch
    {
        Table.Submission => "SUBMISSION.csv",
        Table.ReportingOwner => "REPORTINGOWNER.csv",
        Table.NonDerivHolding => "NONDERIV_HOLDING.csv",
        Table.DerivHolding => "DERIV_HOLDING.csv",
        Table.NonDerivTrans => "NONDERIV_TRANS.csv",
        Table.DerivTrans => "DERIV_TRANS.csv",
        Table.Footnotes => "FOOTNOTES.csv",
        Table.OwnerSignature => "OWNER_SIGNATURE.csv",
        Table.Form3Summary => "FORM3_SUMMARY.csv",
        Table.Errors => "ERRORS.csv",
        _ => throw new ArgumentOutOfRangeException(nameof(table)),
    };

    /// <summary>The table's name without extension, as used in JSON output and part files.</summary>
    public static string Name(Table table) => FileName(table)[..^4];

    public static IReadOnlyList<string> Columns(Table table) => table switch
    {
        Table.Submission => SubmissionColumns,
        Table.ReportingOwner => ReportingOwnerColumns,
        Table.NonDerivHolding => NonDerivColumns,
        Table.DerivHolding => DerivColumns,
        Table.NonDerivTrans => NonDerivTransColumns,
        Table.DerivTrans => DerivTransColumns,
        Table.Footnotes => FootnoteColumns,
        Table.OwnerSignature => SignatureColumns,
        Table.Form3Summary => SummaryColumns,
        Table.Errors => ErrorColumns,
        _ => throw new ArgumentOutOfRangeException(nameof(table)),
    };

    static readonly string[] SubmissionColumns =
    [
        "ACCESSION_NUMBER", "FILING_DATE", "PERIOD_OF_REPORT", "DATE_OF_ORIG_SUB", "NO_SECURITIES_OWNED",
        "NOT_SUBJECT_SEC16", "FORM3_HOLDINGS_REPORTED", "FORM4_TRANS_REPORTED", "DOCUMENT_TYPE", "ISSUERCIK",
        "ISSUERNAME", "ISSUERTRADINGSYMBOL", "REMARKS", "AFF10B5ONE", "SCHEMA_VERSION", "HEADER_ONLY", "ACCEPTANCE_DATETIME",
        "PUBLIC_DOCUMENT_COUNT", "ISSUER_SIC", "SOURCE_PATH",
    ];

    static readonly string[] ReportingOwnerColumns =
    [
        "ACCESSION_NUMBER", "RPTOWNERCIK", "RPTOWNERNAME", "RPTOWNER_RELATIONSHIP", "RPTOWNER_TITLE", "RPTOWNER_TXT",
        "RPTOWNER_STREET1", "RPTOWNER_STREET2", "RPTOWNER_CITY", "RPTOWNER_STATE", "RPTOWNER_ZIPCODE",
        "RPTOWNER_STATE_DESC", "FILE_NUMBER",
    ];

    static readonly string[] NonDerivColumns =
    [
        "ACCESSION_NUMBER", "NONDERIV_HOLDING_SK", "SECURITY_TITLE", "SECURITY_TITLE_FN", "TRANS_FORM_TYPE",
        "TRANS_FORM_TYPE_FN", "SHRS_OWND_FOLWNG_TRANS", "SHRS_OWND_FOLWNG_TRANS_FN", "VALU_OWND_FOLWNG_TRANS",
        "VALU_OWND_FOLWNG_TRANS_FN", "DIRECT_INDIRECT_OWNERSHIP", "DIRECT_INDIRECT_OWNERSHIP_FN", "NATURE_OF_OWNERSHIP",
        "NATURE_OF_OWNERSHIP_FN",
    ];

    static readonly string[] DerivColumns =
    [
        "ACCESSION_NUMBER", "DERIV_HOLDING_SK", "SECURITY_TITLE", "SECURITY_TITLE_FN", "CONV_EXERCISE_PRICE",
        "CONV_EXERCISE_PRICE_FN", "TRANS_FORM_TYPE", "TRANS_FORM_TYPE_FN", "EXERCISE_DATE", "EXERCISE_DATE_FN",
        "EXPIRATION_DATE", "EXPIRATION_DATE_FN", "UNDLYNG_SEC_TITLE", "UNDLYNG_SEC_TITLE_FN", "UNDLYNG_SEC_SHARES",
        "UNDLYNG_SEC_SHARES_FN", "UNDLYNG_SEC_VALUE", "UNDLYNG_SEC_VALUE_FN", "SHRS_OWND_FOLWNG_TRANS",
        "SHRS_OWND_FOLWNG_TRANS_FN", "VALU_OWND_FOLWNG_TRANS", "VALU_OWND_FOLWNG_TRANS_FN", "DIRECT_INDIRECT_OWNERSHIP",
        "DIRECT_INDIRECT_OWNERSHIP_FN", "NATURE_OF_OWNERSHIP", "NATURE_OF_OWNERSHIP_FN",
    ];

    /// <summary>The SEC's NONDERIV_TRANS columns, in its order.</summary>
    static readonly string[] NonDerivTransColumns =
    [
        "ACCESSION_NUMBER", "NONDERIV_TRANS_SK", "SECURITY_TITLE", "SECURITY_TITLE_FN", "TRANS_DATE", "TRANS_DATE_FN",
        "DEEMED_EXECUTION_DATE", "DEEMED_EXECUTION_DATE_FN", "TRANS_FORM_TYPE", "TRANS_CODE", "EQUITY_SWAP_INVOLVED",
        "EQUITY_SWAP_TRANS_CD_FN", "TRANS_TIMELINESS", "TRANS_TIMELINESS_FN", "TRANS_SHARES", "TRANS_SHARES_FN",
        "TRANS_PRICEPERSHARE", "TRANS_PRICEPERSHARE_FN", "TRANS_ACQUIRED_DISP_CD", "TRANS_ACQUIRED_DISP_CD_FN",
        "SHRS_OWND_FOLWNG_TRANS", "SHRS_OWND_FOLWNG_TRANS_FN", "VALU_OWND_FOLWNG_TRANS", "VALU_OWND_FOLWNG_TRANS_FN",
        "DIRECT_INDIRECT_OWNERSHIP", "DIRECT_INDIRECT_OWNERSHIP_FN", "NATURE_OF_OWNERSHIP", "NATURE_OF_OWNERSHIP_FN",
    ];

    /// <summary>The SEC's DERIV_TRANS columns, in its order and with its spelling (EXCERCISE_DATE).</summary>
    static readonly string[] DerivTransColumns =
    [
        "ACCESSION_NUMBER", "DERIV_TRANS_SK", "SECURITY_TITLE", "SECURITY_TITLE_FN", "CONV_EXERCISE_PRICE", "CONV_EXERCISE_PRICE_FN",
        "TRANS_DATE", "TRANS_DATE_FN", "DEEMED_EXECUTION_DATE", "DEEMED_EXECUTION_DATE_FN", "TRANS_FORM_TYPE", "TRANS_CODE",
        "EQUITY_SWAP_INVOLVED", "EQUITY_SWAP_TRANS_CD_FN", "TRANS_TIMELINESS", "TRANS_TIMELINESS_FN", "TRANS_SHARES", "TRANS_SHARES_FN",
        "TRANS_TOTAL_VALUE", "TRANS_TOTAL_VALUE_FN", "TRANS_PRICEPERSHARE", "TRANS_PRICEPERSHARE_FN", "TRANS_ACQUIRED_DISP_CD",
        "TRANS_ACQUIRED_DISP_CD_FN", "EXCERCISE_DATE", "EXCERCISE_DATE_FN", "EXPIRATION_DATE", "EXPIRATION_DATE_FN",
        "UNDLYNG_SEC_TITLE", "UNDLYNG_SEC_TITLE_FN", "UNDLYNG_SEC_SHARES", "UNDLYNG_SEC_SHARES_FN", "UNDLYNG_SEC_VALUE",
        "UNDLYNG_SEC_VALUE_FN", "SHRS_OWND_FOLWNG_TRANS", "SHRS_OWND_FOLWNG_TRANS_FN", "VALU_OWND_FOLWNG_TRANS",
        "VALU_OWND_FOLWNG_TRANS_FN", "DIRECT_INDIRECT_OWNERSHIP", "DIRECT_INDIRECT_OWNERSHIP_FN", "NATURE_OF_OWNERSHIP",
        "NATURE_OF_OWNERSHIP_FN",
    ];

    static readonly string[] FootnoteColumns = ["ACCESSION_NUMBER", "FOOTNOTE_ID", "FOOTNOTE_TXT"];

    static readonly string[] SignatureColumns = ["ACCESSION_NUMBER", "OWNERSIGNATURENAME", "OWNERSIGNATUREDATE"];

    static readonly string[] SummaryColumns =
    [
        "ACCESSION_NUMBER", "FILEPATH", "INSIDER_NAME", "INSIDER_ROLE", "COMPANY_NAME", "COMPANY_CIK", "FILING_DATE",
    ];

    static readonly string[] ErrorColumns = ["FILEPATH", "STAGE", "ERROR_KIND", "MESSAGE", "ATTEMPTS"];

    static readonly HashSet<string> DateColumns =
    [
        "FILING_DATE", "PERIOD_OF_REPORT", "DATE_OF_ORIG_SUB", "TRANS_DATE", "DEEMED_EXECUTION_DATE", "EXERCISE_DATE", "EXCERCISE_DATE",
        "EXPIRATION_DATE", "OWNERSIGNATUREDATE",
    ];

    /// <summary>Share counts, prices and values: the SEC's NUMBER(16,2) columns.</summary>
    static readonly HashSet<string> NumberColumns =
    [
        "TRANS_SHARES", "TRANS_PRICEPERSHARE", "TRANS_TOTAL_VALUE", "SHRS_OWND_FOLWNG_TRANS", "VALU_OWND_FOLWNG_TRANS", "CONV_EXERCISE_PRICE",
        "UNDLYNG_SEC_SHARES", "UNDLYNG_SEC_VALUE",
    ];

    static readonly HashSet<string> FlagColumns =
    [
        "NO_SECURITIES_OWNED", "NOT_SUBJECT_SEC16", "FORM3_HOLDINGS_REPORTED", "FORM4_TRANS_REPORTED", "AFF10B5ONE", "HEADER_ONLY",
        "EQUITY_SWAP_INVOLVED",
    ];

    /// <summary>
    /// What a column holds, for readers that keep types (the Parquet tables, the SEC's layout). CIKs, accession numbers,
    /// codes and footnote ids are text: their leading zeros and letters are part of them.
    /// </summary>
    public static ColumnType TypeOf(string column) => column switch
    {
        _ when DateColumns.Contains(column) => ColumnType.Date,
        _ when NumberColumns.Contains(column) => ColumnType.Number,
        _ when FlagColumns.Contains(column) => ColumnType.Flag,
        "ACCEPTANCE_DATETIME" => ColumnType.Timestamp,
        "PUBLIC_DOCUMENT_COUNT" or "ATTEMPTS" => ColumnType.Count,
        _ when column.EndsWith("_SK", StringComparison.Ordinal) => ColumnType.Count,
        _ => ColumnType.Text,
    };

    /// <summary>Builds an ERRORS row.</summary>
    public static string[] ErrorRow(string path, ExtractionError error, int attempts) =>
        [path, error.Stage, error.Kind, error.Message, attempts.ToString(System.Globalization.CultureInfo.InvariantCulture)];
}

/// <summary>
/// One cell as it is built: the value the tables hold, and where the SEC's own layout keeps the filing's text
/// otherwise (runs of white space as filed, a flag written <c>true</c>), that text. Converts from a plain value.
/// </summary>
public readonly record struct Cell(string Value, string? AsFiled = null)
{
    public static implicit operator Cell(string value) => new(value);
}

/// <summary>
/// The rows one filing contributes to each table; beside each row, the cells whose text as filed differs from the
/// table's value (rare), for the SEC's layout.
/// </summary>
public sealed class FilingRows
{
    readonly List<string[]>[] _rows = TableSchema.All.Select(_ => new List<string[]>()).ToArray();
    readonly List<string?[]?>[] _asFiled = TableSchema.All.Select(_ => new List<string?[]?>()).ToArray();

    public IReadOnlyList<string[]> this[Table table] => _rows[(int)table];

    /// <summary>Per row of the table, its cells' text as filed where it differs from the value (null: none differs).</summary>
    public IReadOnlyList<string?[]?> AsFiled(Table table) => _asFiled[(int)table];

    public void Add(Table table, string[] row)
    {
        CheckWidth(table, row.Length);
        _rows[(int)table].Add(row);
        _asFiled[(int)table].Add(null);
    }

    public void Add(Table table, Cell[] cells)
    {
        CheckWidth(table, cells.Length);
        var row = new string[cells.Length];
        string?[]? asFiled = null;
        for (var i = 0; i < cells.Length; i++)
        {
            row[i] = cells[i].Value;
            if (cells[i].AsFiled is { } text && text != cells[i].Value) (asFiled ??= new string?[cells.Length])[i] = text;
        }
        _rows[(int)table].Add(row);
        _asFiled[(int)table].Add(asFiled);
    }

    static void CheckWidth(Table table, int cells)
    {
        if (cells != TableSchema.Columns(table).Count)
            throw new InvalidOperationException($"{table} row has {cells} cells, expected {TableSchema.Columns(table).Count}");
    }

    /// <summary>How the FILING_DATE was found: from the SEC header, or (bare XML) from the latest signature date.</summary>
    public FilingDateSource FilingDateSource { get; set; }
}

public enum FilingDateSource
{
    None,
    SecHeader,
    SignatureDate,
}
