/* flakyfs: a passthrough FUSE file system that fails or stalls for a while when told to, as a storage server does
 * when a disk or a network path fails, or while it fails over. The tests use it to show that reads failing with EIO
 * are retried and healed by the next run instead of being kept as final, and that a run folder whose storage
 * stalls is waited out.
 *
 * Build: cc -O2 -o flakyfs flakyfs.c $(pkg-config --cflags --libs fuse3)   (Debian: fuse3 libfuse3-dev)
 * Run:   flakyfs SOURCE_DIR MOUNTPOINT SWITCH_FILE [eio|stall|nolock]   (stays in the foreground; stop with fusermount3 -u)
 *        While SWITCH_FILE exists, it names the paths it affects: those containing its text (an empty SWITCH_FILE:
 *        every path). eio (the default): their reads fail with EIO. stall: every request on them waits until
 *        SWITCH_FILE is gone. nolock: their POSIX (fcntl) locks fail with ENOSYS, as on Lustre mounted without
 *        flock. Files are opened with direct I/O, so no read or write is served by the kernel's cache.
 */
#define FUSE_USE_VERSION 312
#include <fuse.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

static char source[PATH_MAX];
static char switch_file[PATH_MAX];
static int stall_mode;
static int nolock_mode;

static void real_path(char *out, const char *path) { snprintf(out, PATH_MAX, "%s%s", source, path); }

/* True while the switch file exists and names part of this path (or is empty). */
static int affected(const char *path) {
    FILE *f = fopen(switch_file, "r");
    if (!f) return 0;
    char text[PATH_MAX] = {0};
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == '\r')) text[--n] = 0;
    return n == 0 || strstr(path, text) != NULL;
}

/* In stall mode, holds a request on an affected path until the switch file is gone. */
static void hold(const char *path) {
    while (stall_mode && affected(path)) usleep(50 * 1000);
}

#define RESULT(call) ((call) == -1 ? -errno : 0)

static void *flaky_init(struct fuse_conn_info *conn, struct fuse_config *cfg) {
    (void)conn;
    cfg->entry_timeout = cfg->attr_timeout = cfg->negative_timeout = 0;
    cfg->kernel_cache = 0;
    return NULL;
}

static int flaky_getattr(const char *path, struct stat *st, struct fuse_file_info *fi) {
    hold(path);
    if (fi) return RESULT(fstat(fi->fh, st));
    char p[PATH_MAX];
    real_path(p, path);
    return RESULT(lstat(p, st));
}

static int flaky_readlink(const char *path, char *buf, size_t size) {
    hold(path);
    char p[PATH_MAX];
    real_path(p, path);
    ssize_t n = readlink(p, buf, size - 1);
    if (n == -1) return -errno;
    buf[n] = 0;
    return 0;
}

static int flaky_readdir(const char *path, void *buf, fuse_fill_dir_t fill, off_t off, struct fuse_file_info *fi,
                         enum fuse_readdir_flags flags) {
    (void)off; (void)fi; (void)flags;
    hold(path);
    char p[PATH_MAX];
    real_path(p, path);
    DIR *d = opendir(p);
    if (!d) return -errno;
    struct dirent *e;
    while ((e = readdir(d))) {
        struct stat st = {0};
        st.st_ino = e->d_ino;
        st.st_mode = e->d_type << 12;
        if (fill(buf, e->d_name, &st, 0, 0)) break;
    }
    closedir(d);
    return 0;
}

static int open_file(const char *path, int flags, mode_t mode, struct fuse_file_info *fi) {
    hold(path);
    char p[PATH_MAX];
    real_path(p, path);
    int fd = open(p, flags, mode);
    if (fd == -1) return -errno;
    fi->fh = fd;
    fi->direct_io = 1;
    return 0;
}

static int flaky_open(const char *path, struct fuse_file_info *fi) { return open_file(path, fi->flags, 0, fi); }

static int flaky_create(const char *path, mode_t mode, struct fuse_file_info *fi) {
    return open_file(path, fi->flags | O_CREAT, mode, fi);
}

static int flaky_read(const char *path, char *buf, size_t size, off_t off, struct fuse_file_info *fi) {
    hold(path);
    if (!stall_mode && !nolock_mode && affected(path)) return -EIO;
    ssize_t n = pread(fi->fh, buf, size, off);
    return n == -1 ? -errno : (int)n;
}

static int flaky_write(const char *path, const char *buf, size_t size, off_t off, struct fuse_file_info *fi) {
    hold(path);
    ssize_t n = pwrite(fi->fh, buf, size, off);
    return n == -1 ? -errno : (int)n;
}

static int flaky_fsync(const char *path, int datasync, struct fuse_file_info *fi) {
    hold(path);
    return RESULT(datasync ? fdatasync(fi->fh) : fsync(fi->fh));
}

static int flaky_release(const char *path, struct fuse_file_info *fi) {
    (void)path;
    close(fi->fh);
    return 0;
}

static int flaky_truncate(const char *path, off_t size, struct fuse_file_info *fi) {
    hold(path);
    if (fi) return RESULT(ftruncate(fi->fh, size));
    char p[PATH_MAX];
    real_path(p, path);
    return RESULT(truncate(p, size));
}

static int flaky_unlink(const char *path) {
    hold(path);
    char p[PATH_MAX];
    real_path(p, path);
    return RESULT(unlink(p));
}

static int flaky_link(const char *from, const char *to) {
    hold(from);
    hold(to);
    char p[PATH_MAX], q[PATH_MAX];
    real_path(p, from);
    real_path(q, to);
    return RESULT(link(p, q));
}

static int flaky_mkdir(const char *path, mode_t mode) {
    hold(path);
    char p[PATH_MAX];
    real_path(p, path);
    return RESULT(mkdir(p, mode));
}

static int flaky_rmdir(const char *path) {
    hold(path);
    char p[PATH_MAX];
    real_path(p, path);
    return RESULT(rmdir(p));
}

static int flaky_rename(const char *from, const char *to, unsigned int flags) {
    if (flags) return -EINVAL;
    hold(from);
    hold(to);
    char p[PATH_MAX], q[PATH_MAX];
    real_path(p, from);
    real_path(q, to);
    return RESULT(rename(p, q));
}

static int flaky_chmod(const char *path, mode_t mode, struct fuse_file_info *fi) {
    hold(path);
    if (fi) return RESULT(fchmod(fi->fh, mode));
    char p[PATH_MAX];
    real_path(p, path);
    return RESULT(chmod(p, mode));
}

static int flaky_utimens(const char *path, const struct timespec tv[2], struct fuse_file_info *fi) {
    hold(path);
    if (fi) return RESULT(futimens(fi->fh, tv));
    char p[PATH_MAX];
    real_path(p, path);
    return RESULT(utimensat(AT_FDCWD, p, tv, AT_SYMLINK_NOFOLLOW));
}

static int flaky_statfs(const char *path, struct statvfs *st) {
    hold(path);
    return RESULT(statvfs(source, st));
}

/* Only in nolock mode: without a lock operation the kernel keeps POSIX locks itself, per process, as it should. */
static int flaky_lock(const char *path, struct fuse_file_info *fi, int cmd, struct flock *lock) {
    if (affected(path)) return -ENOSYS;
    return RESULT(fcntl(fi->fh, cmd, lock));
}

static struct fuse_operations ops = {
    .init = flaky_init, .getattr = flaky_getattr, .readlink = flaky_readlink, .readdir = flaky_readdir,
    .open = flaky_open, .create = flaky_create, .read = flaky_read, .write = flaky_write, .fsync = flaky_fsync,
    .release = flaky_release, .truncate = flaky_truncate, .unlink = flaky_unlink, .mkdir = flaky_mkdir,
    .rmdir = flaky_rmdir, .rename = flaky_rename, .link = flaky_link, .chmod = flaky_chmod, .utimens = flaky_utimens,
    .statfs = flaky_statfs,
};

int main(int argc, char **argv) {
    if (argc < 4 || argc > 5 || (argc == 5 && strcmp(argv[4], "eio") != 0 && strcmp(argv[4], "stall") != 0 && strcmp(argv[4], "nolock") != 0)) {
        fprintf(stderr, "usage: %s SOURCE_DIR MOUNTPOINT SWITCH_FILE [eio|stall|nolock]\n", argv[0]);
        return 2;
    }
    if (!realpath(argv[1], source)) { perror(argv[1]); return 2; }
    snprintf(switch_file, sizeof switch_file, "%s", argv[3]);
    stall_mode = argc == 5 && strcmp(argv[4], "stall") == 0;
    nolock_mode = argc == 5 && strcmp(argv[4], "nolock") == 0;
    if (nolock_mode) ops.lock = flaky_lock;
    char *fargv[] = {argv[0], "-o", "allow_other,default_permissions", NULL};
    struct fuse_args args = FUSE_ARGS_INIT(3, fargv);
    struct fuse *fs = fuse_new(&args, &ops, sizeof ops, NULL);
    if (!fs || fuse_mount(fs, argv[2]) != 0) return 1;
    fuse_set_signal_handlers(fuse_get_session(fs));
    int rc = fuse_loop_mt(fs, NULL);
    fuse_remove_signal_handlers(fuse_get_session(fs));
    fuse_unmount(fs);
    fuse_destroy(fs);
    return rc ? 1 : 0;
}
