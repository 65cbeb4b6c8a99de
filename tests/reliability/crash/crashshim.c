/* LD_PRELOAD shim for the crash harness: SIGKILL the process at its Nth write-side system call on chosen paths.
 *
 * CRASH_IO_PATHS  colon-separated absolute path prefixes (the workbook's path also matches its -journal and
 *                 .lock; a folder's path matches everything in it)
 * CRASH_IO_AT     the matching call to die at (1-based); 0 or unset only counts
 * CRASH_IO_LOG    a file the shim appends to: "count N" at exit, or "kill N CALL PATH" just before it dies
 * CRASH_IO_TRACE  when set, also "hit N CALL PATH" for every matching call (to see where kills can land)
 *
 * Calls counted: write, pwrite, pwrite64, fsync, fdatasync, ftruncate, ftruncate64 (on a descriptor whose
 * path matches) and unlink, unlinkat, rename, renameat, renameat2, mkdir, rmdir (on a matching path):
 * SQLite's journal and page writes, syncs, truncation and journal deletion, and an export's staging writes
 * and renames. The kill lands before the call runs.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#define MAX_PREFIXES 8

static char prefixes[MAX_PREFIXES][PATH_MAX];
static size_t prefix_len[MAX_PREFIXES];
static int n_prefixes = -1;
static long kill_at = 0;
static long seen = 0;
static int trace = 0;
static char log_path[PATH_MAX];

static ssize_t (*real_write)(int, const void *, size_t);

static void setup(void) {
    if (n_prefixes >= 0) return;
    n_prefixes = 0;
    const char *paths = getenv("CRASH_IO_PATHS");
    const char *at = getenv("CRASH_IO_AT");
    const char *log = getenv("CRASH_IO_LOG");
    kill_at = at ? atol(at) : 0;
    trace = getenv("CRASH_IO_TRACE") != NULL;
    if (log) snprintf(log_path, sizeof log_path, "%s", log);
    while (paths && *paths && n_prefixes < MAX_PREFIXES) {
        const char *end = strchr(paths, ':');
        size_t len = end ? (size_t)(end - paths) : strlen(paths);
        if (len > 0 && len < PATH_MAX) {
            memcpy(prefixes[n_prefixes], paths, len);
            prefixes[n_prefixes][len] = '\0';
            prefix_len[n_prefixes] = len;
            n_prefixes++;
        }
        paths = end ? end + 1 : NULL;
    }
}

static void append_log(const char *line) {
    if (!log_path[0]) return;
    if (!real_write) real_write = dlsym(RTLD_NEXT, "write");
    int fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (fd < 0) return;
    real_write(fd, line, strlen(line));
    close(fd);
}

static int path_matches(const char *path) {
    for (int i = 0; i < n_prefixes; i++)
        if (strncmp(path, prefixes[i], prefix_len[i]) == 0) return 1;
    return 0;
}

static int fd_path(int fd, char *out) {
    char link[64];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, out, PATH_MAX - 1);
    if (n < 0) return 0;
    out[n] = '\0';
    return 1;
}

/* An *at() call's path made absolute (relative to the directory descriptor or the working directory). */
static int at_path(int dirfd, const char *path, char *out, size_t size) {
    char base[PATH_MAX];
    if (path[0] == '/') {
        snprintf(out, size, "%s", path);
        return 1;
    }
    if (dirfd == AT_FDCWD) {
        if (!getcwd(base, sizeof base)) return 0;
    } else if (!fd_path(dirfd, base)) {
        return 0;
    }
    snprintf(out, size, "%s/%s", base, path);
    return 1;
}

static void hit(const char *call, const char *path) {
    if (!path_matches(path)) return;
    char line[2 * PATH_MAX + 96];
    seen++;
    if (kill_at > 0 && seen == kill_at) {
        snprintf(line, sizeof line, "kill %ld %s %s\n", seen, call, path);
        append_log(line);
        kill(getpid(), SIGKILL);
    }
    if (trace) {
        snprintf(line, sizeof line, "hit %ld %s %s\n", seen, call, path);
        append_log(line);
    }
}

static void hit_fd(const char *call, int fd) {
    char path[PATH_MAX];
    setup();
    if (n_prefixes > 0 && fd_path(fd, path)) hit(call, path);
}

static void hit_path(const char *call, int dirfd, const char *path) {
    char full[2 * PATH_MAX];
    setup();
    if (n_prefixes > 0 && path && at_path(dirfd, path, full, sizeof full)) hit(call, full);
}

__attribute__((destructor)) static void report(void) {
    if (kill_at > 0 || n_prefixes < 0) return;
    char line[64];
    snprintf(line, sizeof line, "count %ld\n", seen);
    append_log(line);
}

#define REAL(name) static __typeof__(name) *real = NULL; if (!real) real = dlsym(RTLD_NEXT, #name)

ssize_t write(int fd, const void *buf, size_t count) {
    REAL(write);
    hit_fd("write", fd);
    return real(fd, buf, count);
}

ssize_t pwrite(int fd, const void *buf, size_t count, off_t offset) {
    REAL(pwrite);
    hit_fd("pwrite", fd);
    return real(fd, buf, count, offset);
}

ssize_t pwrite64(int fd, const void *buf, size_t count, off64_t offset) {
    REAL(pwrite64);
    hit_fd("pwrite64", fd);
    return real(fd, buf, count, offset);
}

int fsync(int fd) {
    REAL(fsync);
    hit_fd("fsync", fd);
    return real(fd);
}

int fdatasync(int fd) {
    REAL(fdatasync);
    hit_fd("fdatasync", fd);
    return real(fd);
}

int ftruncate(int fd, off_t length) {
    REAL(ftruncate);
    hit_fd("ftruncate", fd);
    return real(fd, length);
}

int ftruncate64(int fd, off64_t length) {
    REAL(ftruncate64);
    hit_fd("ftruncate64", fd);
    return real(fd, length);
}

int unlink(const char *path) {
    REAL(unlink);
    hit_path("unlink", AT_FDCWD, path);
    return real(path);
}

int unlinkat(int dirfd, const char *path, int flags) {
    REAL(unlinkat);
    hit_path("unlinkat", dirfd, path);
    return real(dirfd, path, flags);
}

int rename(const char *old, const char *new) {
    REAL(rename);
    hit_path("rename", AT_FDCWD, new);
    return real(old, new);
}

int renameat(int olddirfd, const char *old, int newdirfd, const char *new) {
    REAL(renameat);
    hit_path("renameat", newdirfd, new);
    return real(olddirfd, old, newdirfd, new);
}

int renameat2(int olddirfd, const char *old, int newdirfd, const char *new, unsigned int flags) {
    REAL(renameat2);
    hit_path("renameat2", newdirfd, new);
    return real(olddirfd, old, newdirfd, new, flags);
}

int mkdir(const char *path, mode_t mode) {
    REAL(mkdir);
    hit_path("mkdir", AT_FDCWD, path);
    return real(path, mode);
}

int rmdir(const char *path) {
    REAL(rmdir);
    hit_path("rmdir", AT_FDCWD, path);
    return real(path);
}
