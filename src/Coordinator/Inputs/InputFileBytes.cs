namespace Form3Actors.Coordinator.Inputs;

/// <summary>
/// Reads an input file (a CSV or an EDGAR index) front to back with several reads in flight. On a network file system
/// every read is a round trip, and one read after the other made the listing of a 100,000-row CSV the slowest step
/// before the first file was handed out at 10 ms a request. Only the ranges ahead are held, never the whole file: the
/// list of ten million filings is half a gigabyte.
/// </summary>
static class InputFileBytes
{
    /// <summary>Bytes per read: a few of the kernel's read requests each.</summary>
    const int RangeBytes = 1 << 20;

    /// <summary>Reads under way at once, each on a thread of its own (the listing's thread is not the thread pool's, nor are these).</summary>
    const int ReadsInFlight = 8;

    /// <summary>The file's bytes as a stream; a pipe (length 0, as from `&lt;(command)`) is streamed as it comes instead.</summary>
    public static Stream Read(string path)
    {
        try
        {
            var handle = File.OpenHandle(path);
            if (RandomAccess.GetLength(handle) > 0) return new Ahead(path, handle);
            handle.Dispose();
            return File.OpenRead(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InputException($"cannot read {path}: {e.Message}");
        }
    }

    /// <summary>A read-only stream that keeps <see cref="ReadsInFlight"/> reads of the ranges ahead of the reader under way.</summary>
    sealed class Ahead : Stream
    {
        readonly string _path;
        readonly Microsoft.Win32.SafeHandles.SafeFileHandle _handle;
        readonly long _length;
        readonly Queue<Task<byte[]>> _ahead = new();
        long _nextRange;
        byte[] _current = [];
        int _at;

        public Ahead(string path, Microsoft.Win32.SafeHandles.SafeFileHandle handle)
        {
            (_path, _handle, _length) = (path, handle, RandomAccess.GetLength(handle));
            while (_ahead.Count < ReadsInFlight && Issue()) { }
        }

        /// <summary>Starts the read of the next range, if any is left.</summary>
        bool Issue()
        {
            var offset = _nextRange * RangeBytes;
            if (offset >= _length) return false;
            _nextRange++;
            _ahead.Enqueue(Task.Factory.StartNew(() => ReadRange(offset), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default));
            return true;
        }

        byte[] ReadRange(long offset)
        {
            var bytes = new byte[Math.Min(RangeBytes, _length - offset)];
            for (int done = 0, read; done < bytes.Length; done += read)
                if ((read = RandomAccess.Read(_handle, bytes.AsSpan(done), offset + done)) == 0)
                    throw new IOException($"{_path} ended at byte {offset + done:N0} while being read (it is {_length:N0} bytes): was it being rewritten?");
            return bytes;
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            if (_at == _current.Length)
            {
                if (!_ahead.TryDequeue(out var next)) return 0;
                try
                {
                    _current = next.GetAwaiter().GetResult();
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    throw new InputException($"cannot read {_path}: {e.Message}");
                }
                _at = 0;
                Issue();
            }
            var n = Math.Min(buffer.Length, _current.Length - _at);
            _current.AsSpan(_at, n).CopyTo(buffer);
            _at += n;
            return n;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                foreach (var pending in _ahead) pending.ContinueWith(_ => { }, TaskScheduler.Default).Wait();
                _handle.Dispose();
            }
            base.Dispose(disposing);
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => _length;
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
