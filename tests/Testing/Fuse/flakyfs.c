/* flakyfs: a read-only passthrough FUSE file system whose reads fail with EIO while it is told to, as a storage
 * server does for a while when a disk or a network path fails. The tests use it to show that such failures are
 * retried and healed by the next run instead of being kept as final.
 *
 * Build: cc -O2 -o flakyfs flakyfs.c $(pkg-config --cflags --libs fuse3)   (Debian: fuse3 libfuse3-dev)
 * Run:   flakyfs SOURCE_DIR MOUNTPOINT SWITCH_FILE   (stays in the foreground; stop with fusermount3 -u MOUNTPOINT)
 *        While SWITCH_FILE exists, every read of a file whose path contains the text in SWITCH_FILE fails with EIO
 *        (an empty SWITCH_FILE: every read). Files are opened with direct I/O, so no read is served from the cache.
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
#include <unistd.h>

static char source[PATH_MAX];
static char switch_file[PATH_MAX];

static void real_path(char *out, const char *path) { snprintf(out, PATH_MAX, "%s%s", source, path); }

/* True while the switch file exists and names part of this path (or is empty). */
static int failing(const char *path) {
    FILE *f = fopen(switch_file, "r");
    if (!f) return 0;
    char text[PATH_MAX] = {0};
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == '\r')) text[--n] = 0;
    return n == 0 || strstr(path, text) != NULL;
}

static void *flaky_init(struct fuse_conn_info *conn, struct fuse_config *cfg) {
    (void)conn;
    cfg->entry_timeout = cfg->attr_timeout = cfg->negative_timeout = 0;
    cfg->kernel_cache = 0;
    return NULL;
}

static int flaky_getattr(const char *path, struct stat *st, struct fuse_file_info *fi) {
    (void)fi;
    char p[PATH_MAX];
    real_path(p, path);
    return lstat(p, st) == -1 ? -errno : 0;
}

static int flaky_readdir(const char *path, void *buf, fuse_fill_dir_t fill, off_t off, struct fuse_file_info *fi,
                         enum fuse_readdir_flags flags) {
    (void)off; (void)fi; (void)flags;
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

static int flaky_open(const char *path, struct fuse_file_info *fi) {
    if ((fi->flags & O_ACCMODE) != O_RDONLY) return -EROFS;
    char p[PATH_MAX];
    real_path(p, path);
    int fd = open(p, O_RDONLY);
    if (fd == -1) return -errno;
    fi->fh = fd;
    fi->direct_io = 1;
    return 0;
}

static int flaky_read(const char *path, char *buf, size_t size, off_t off, struct fuse_file_info *fi) {
    if (failing(path)) return -EIO;
    ssize_t n = pread(fi->fh, buf, size, off);
    return n == -1 ? -errno : (int)n;
}

static int flaky_release(const char *path, struct fuse_file_info *fi) {
    (void)path;
    close(fi->fh);
    return 0;
}

static const struct fuse_operations ops = {
    .init = flaky_init, .getattr = flaky_getattr, .readdir = flaky_readdir, .open = flaky_open,
    .read = flaky_read, .release = flaky_release,
};

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: %s SOURCE_DIR MOUNTPOINT SWITCH_FILE\n", argv[0]);
        return 2;
    }
    if (!realpath(argv[1], source)) { perror(argv[1]); return 2; }
    snprintf(switch_file, sizeof switch_file, "%s", argv[3]);
    char *fargv[] = {argv[0], "-o", "ro,allow_other,default_permissions", NULL};
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
