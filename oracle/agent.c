// memhp guest agent: PID 1's helper in the oracle's QEMU guest (oracle/guest.py).
//
// Reads newline-terminated commands from /dev/ttyS1 and answers each with one
// JSON line:
//   ping [TOKEN]       {"pong":true}, or {"pong":"TOKEN"} (the host syncs with tokens)
//   write PATH VALUE   {"errno":0} or {"errno":-E}: the negative errno of open(2) or write(2)
//   state              {"block_size_bytes":N,"zones":{...},"blocks":{...},"vmstat":{...}}
//   anything else      {"error":"..."}
// Empty lines get no answer, so the host can terminate any partial line.
// Built statically on the host: the initramfs holds no libc.
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

struct buf {
  char *p;
  size_t n, cap;
};

static void put(struct buf *b, const char *s, size_t n) {
  if (b->n + n + 1 > b->cap) {
    b->cap = (b->n + n + 1) * 2;
    b->p = realloc(b->p, b->cap);
    if (!b->p) _exit(3);
  }
  memcpy(b->p + b->n, s, n);
  b->n += n;
  b->p[b->n] = 0;
}

#define PUT(b, lit) put(b, lit, sizeof(lit) - 1)

static void putf(struct buf *b, const char *fmt, ...) {
  char tmp[512];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
  va_end(ap);
  put(b, tmp, n < (int)sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

static void put_str(struct buf *b, const char *s) {
  PUT(b, "\"");
  for (; *s; s++) {
    if (*s == '"' || *s == '\\') {
      PUT(b, "\\");
      put(b, s, 1);
    } else if ((unsigned char)*s < 0x20) {
      putf(b, "\\u%04x", (unsigned char)*s);
    } else {
      put(b, s, 1);
    }
  }
  PUT(b, "\"");
}

// The whole file, NUL-terminated (sysfs and procfs report size 0, so read to EOF).
static char *slurp(const char *path) {
  int fd = open(path, O_RDONLY);
  if (fd < 0) return NULL;
  struct buf b = {0};
  char tmp[8192];
  ssize_t n;
  while ((n = read(fd, tmp, sizeof tmp)) > 0) put(&b, tmp, (size_t)n);
  close(fd);
  if (n < 0) {
    free(b.p);
    return NULL;
  }
  if (!b.p) PUT(&b, "");
  return b.p;
}

static char *chomp(char *s) {
  size_t n = strlen(s);
  while (n && (s[n - 1] == '\n' || s[n - 1] == ' ')) s[--n] = 0;
  return s;
}

static void cmd_write(struct buf *out, const char *args) {
  const char *sp = strchr(args, ' ');
  if (!sp) {
    PUT(out, "{\"error\":\"usage: write PATH VALUE\"}");
    return;
  }
  char path[4096];
  snprintf(path, sizeof path, "%.*s", (int)(sp - args), args);
  const char *value = sp + 1;
  int err = 0;
  int fd = open(path, O_WRONLY);
  if (fd < 0) {
    err = -errno;
  } else {
    // One write(2): sysfs hands the whole buffer to the store function,
    // whose return value is what we report.
    if (write(fd, value, strlen(value)) < 0) err = -errno;
    close(fd);
  }
  putf(out, "{\"errno\":%d}", err);
}

// /proc/zoneinfo: "Node N, zone NAME" starts a section; spanned, present and
// managed are printed for every zone, start_pfn only for populated ones
// (null here). Any other line is ignored.
struct zone {
  int node;
  char name[64];
  long long spanned, present, managed, start_pfn;
};

static void put_num(struct buf *out, const char *key, long long v) {
  if (v < 0)
    putf(out, "\"%s\":null", key);
  else
    putf(out, "\"%s\":%lld", key, v);
}

static void put_zone(struct buf *out, const struct zone *z, int first) {
  putf(out, "%s\"%d:%s\":{", first ? "" : ",", z->node, z->name);
  put_num(out, "start_pfn", z->start_pfn);
  PUT(out, ",");
  put_num(out, "spanned", z->spanned);
  PUT(out, ",");
  put_num(out, "present", z->present);
  PUT(out, ",");
  put_num(out, "managed", z->managed);
  PUT(out, "}");
}

static int put_zones(struct buf *out) {
  char *text = slurp("/proc/zoneinfo");
  if (!text) return -1;
  PUT(out, "\"zones\":{");
  struct zone z;
  int nzones = 0;
  for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
    struct zone next = {.spanned = -1, .present = -1, .managed = -1, .start_pfn = -1};
    char key[64];
    long long v;
    if (sscanf(line, "Node %d, zone %63s", &next.node, next.name) == 2) {
      if (nzones) put_zone(out, &z, nzones == 1);
      z = next;
      nzones++;
    } else if (nzones && sscanf(line, " %63s %lld", key, &v) == 2) {
      if (!strcmp(key, "spanned")) z.spanned = v;
      if (!strcmp(key, "present")) z.present = v;
      if (!strcmp(key, "managed")) z.managed = v;
      if (!strcmp(key, "start_pfn:")) z.start_pfn = v;
    }
  }
  if (nzones) put_zone(out, &z, nzones == 1);
  PUT(out, "}");
  free(text);
  return 0;
}

static int cmp_uint(const void *a, const void *b) {
  unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;
  return x < y ? -1 : x > y;
}

static void put_blocks(struct buf *out) {
  unsigned ids[4096];
  size_t n = 0;
  DIR *d = opendir("/sys/devices/system/memory");
  struct dirent *e;
  while (d && (e = readdir(d)) && n < sizeof ids / sizeof ids[0]) {
    unsigned id;
    char rest;
    if (sscanf(e->d_name, "memory%u%c", &id, &rest) == 1) ids[n++] = id;
  }
  if (d) closedir(d);
  qsort(ids, n, sizeof ids[0], cmp_uint);
  PUT(out, "\"blocks\":{");
  for (size_t i = 0; i < n; i++) {
    char path[128];
    putf(out, "%s\"%u\":{", i ? "," : "", ids[i]);
    const char *files[] = {"state", "valid_zones"};
    for (int f = 0; f < 2; f++) {
      snprintf(path, sizeof path, "/sys/devices/system/memory/memory%u/%s", ids[i], files[f]);
      char *v = slurp(path);  // NULL if the block went away meanwhile
      putf(out, "%s\"%s\":", f ? "," : "", files[f]);
      if (v)
        put_str(out, chomp(v));
      else
        PUT(out, "null");
      free(v);
    }
    PUT(out, "}");
  }
  PUT(out, "}");
}

// /proc/vmstat's memmap counters, which 6.12 has and 6.1 has not (mm/vmstat.c
// vmstat_text[]: nr_memmap_pages, nr_memmap_boot_pages): only those present.
static void put_vmstat(struct buf *out) {
  static const char *const keys[] = {"nr_memmap_pages", "nr_memmap_boot_pages"};
  char *text = slurp("/proc/vmstat");
  PUT(out, "\"vmstat\":{");
  int n = 0;
  for (char *line = text ? strtok(text, "\n") : NULL; line; line = strtok(NULL, "\n")) {
    char key[64];
    long long v;
    if (sscanf(line, "%63s %lld", key, &v) != 2) continue;
    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++)
      if (!strcmp(key, keys[k])) putf(out, "%s\"%s\":%lld", n++ ? "," : "", key, v);
  }
  PUT(out, "}");
  free(text);
}

static void cmd_state(struct buf *out) {
  char *bs = slurp("/sys/devices/system/memory/block_size_bytes");
  if (!bs) {
    PUT(out, "{\"error\":\"cannot read block_size_bytes\"}");
    return;
  }
  struct buf zones = {0};
  if (put_zones(&zones) < 0) {
    PUT(out, "{\"error\":\"cannot read /proc/zoneinfo\"}");
    free(bs);
    return;
  }
  putf(out, "{\"block_size_bytes\":%llu,", strtoull(bs, NULL, 16));  // the file is hex, no 0x
  put(out, zones.p, zones.n);
  PUT(out, ",");
  put_blocks(out);
  PUT(out, ",");
  put_vmstat(out);
  PUT(out, "}");
  free(bs);
  free(zones.p);
}

static void answer(int tty, char *line, struct buf *out) {
  out->n = 0;
  if (!strcmp(line, "ping")) {
    PUT(out, "{\"pong\":true}");
  } else if (!strncmp(line, "ping ", 5)) {
    PUT(out, "{\"pong\":");
    put_str(out, line + 5);
    PUT(out, "}");
  } else if (!strcmp(line, "state")) {
    cmd_state(out);
  } else if (!strncmp(line, "write ", 6)) {
    cmd_write(out, line + 6);
  } else {
    PUT(out, "{\"error\":\"unknown command\"}");
  }
  PUT(out, "\n");
  for (size_t done = 0; done < out->n;) {
    ssize_t w = write(tty, out->p + done, out->n - done);
    if (w < 0 && errno != EINTR) _exit(4);
    if (w > 0) done += (size_t)w;
  }
}

int main(void) {
  int tty = open("/dev/ttyS1", O_RDWR | O_NOCTTY);
  if (tty < 0) {
    perror("memhp agent: /dev/ttyS1");
    return 1;
  }
  // Raw mode: no echo of the host's commands, no CR/LF translation.
  struct termios t;
  if (tcgetattr(tty, &t) == 0) {
    cfmakeraw(&t);
    tcsetattr(tty, TCSANOW, &t);
  }
  tcflush(tty, TCIFLUSH);
  struct buf in = {0}, out = {0};
  char tmp[4096];
  for (;;) {
    ssize_t n = read(tty, tmp, sizeof tmp);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return 2;
    put(&in, tmp, (size_t)n);
    char *nl;
    while ((nl = memchr(in.p, '\n', in.n))) {
      *nl = 0;
      char *line = in.p;
      size_t len = strlen(line);
      while (len && (line[len - 1] == '\r' || line[len - 1] == ' ')) line[--len] = 0;
      if (len) answer(tty, line, &out);
      size_t used = (size_t)(nl - in.p) + 1;
      memmove(in.p, nl + 1, in.n - used);
      in.n -= used;
    }
  }
}
