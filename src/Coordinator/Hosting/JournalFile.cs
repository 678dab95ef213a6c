using System.Buffers.Binary;
using System.Text;
using Microsoft.Data.Sqlite;

namespace Form3Actors.Coordinator.Hosting;

/// <summary>
/// A look at journal.db's header before the journal plugin opens it: a file that is not SQLite, or one cut short
/// (a copy interrupted, a quota hit), is reported at once in plain words, where the plugin would fail its recovery
/// only after its timeout, with a message about timing out.
/// </summary>
public static class JournalFile
{
    const int HeaderBytes = 100;
    static readonly byte[] Magic = Encoding.ASCII.GetBytes("SQLite format 3\0");

    /// <summary>What is wrong with the journal at <paramref name="path"/>, or null if it is absent, empty or looks whole.</summary>
    public static string? Problem(string path)
    {
        var file = new FileInfo(path);
        if (!file.Exists || file.Length == 0) return null;
        // A crash mid-transaction leaves a rollback journal beside it, which SQLite replays on opening: the file may
        // legitimately disagree with its header until then.
        if (File.Exists(path + "-journal") || File.Exists(path + "-wal")) return null;
        var header = new byte[HeaderBytes];
        int read;
        using (var stream = file.OpenRead()) read = stream.ReadAtLeast(header, HeaderBytes, throwOnEndOfStream: false);
        if (read < HeaderBytes || !header.AsSpan(0, Magic.Length).SequenceEqual(Magic)) return "it is not a SQLite database";
        // The page size is stored in two bytes; 1 stands for 65,536.
        var storedPageSize = BinaryPrimitives.ReadUInt16BigEndian(header.AsSpan(16));
        var pageSize = storedPageSize == 1 ? 65536 : storedPageSize;
        var pages = BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(28));
        // The page count is valid only when written by a SQLite that also stamped the change counter beside it.
        var valid = BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(24)) == BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(92));
        var expected = (long)pageSize * pages;
        return valid && pages > 0 && file.Length < expected
            ? $"it is cut short: its header says {expected:N0} bytes, the file has {file.Length:N0}"
            : null;
    }

    const int SqliteIoError = 10, SqliteIoErrorLock = SqliteIoError | (15 << 8);

    /// <summary>
    /// Why SQLite cannot use the journal on this run folder's file system, or null: takes its write lock once (creating
    /// an empty file in a new run folder). On a file system without working POSIX (fcntl) locks, such as Lustre mounted
    /// without flock, every journal operation fails with a bare "disk I/O error" that the journal plugin reports only
    /// as a recovery timed out after 30 s. Other failures are left to the plugin, which names them itself.
    /// </summary>
    public static string? LockProblem(string path)
    {
        var connection = new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadWriteCreate, Pooling = false }.ConnectionString;
        try
        {
            using var db = new SqliteConnection(connection);
            db.Open();
            using var command = db.CreateCommand();
            command.CommandText = "BEGIN IMMEDIATE; ROLLBACK;";
            command.ExecuteNonQuery();
            return null;
        }
        catch (SqliteException e) when (e.SqliteErrorCode == SqliteIoError)
        {
            return e.SqliteExtendedErrorCode == SqliteIoErrorLock
                ? $"SQLite cannot lock the journal {path} ({e.Message}): the run folder's file system does not provide POSIX (fcntl) locks, " +
                  "as Lustre mounted without flock or NFS without its lock service; give a --run-dir on storage that does (home and project " +
                  "file systems usually do), or ask the administrators to mount this one with flock"
                : $"the journal {path} could not be opened ({e.Message}); check the run folder's file system, then run the same command again";
        }
        catch (SqliteException)
        {
            return null;
        }
    }

    /// <summary>
    /// Whether the journal holds a snapshot (earlier releases wrote them; this one writes checkpoints as events). A
    /// journal without one recovers without the snapshot store, which spares a run the store's start.
    /// </summary>
    public static bool HasSnapshots(string path)
    {
        if (!File.Exists(path) || new FileInfo(path).Length == 0) return false;
        var connection = new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly }.ConnectionString;
        using var db = new SqliteConnection(connection);
        db.Open();
        using var command = db.CreateCommand();
        command.CommandText = "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'snapshot')";
        if (Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) == 0) return false;
        command.CommandText = "SELECT EXISTS (SELECT 1 FROM snapshot)";
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) != 0;
    }
}
