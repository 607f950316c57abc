/*
 * scenario.c - `wsgw test [--junit FILE] [--fail-fast] [--jobs N] SCENARIO...`:
 * collects the scenario files (a directory means its *.json, sorted),
 * validates them all before running any (an invalid one: its one line on
 * stderr, exit 2), runs them on N worker threads (each scenario its own
 * emulator on its own port, scenario_steps.c), and prints TAP version 13 on
 * stdout in scenario order as results come in; --junit writes JUnit XML at
 * the end.
 *
 * --fail-fast: once a scenario fails, scenarios not yet started are not
 * run; they are reported "ok N - file # SKIP fail-fast" so the plan stays
 * 1..N (those already running finish and report normally).
 *
 * Exit code: 0 all passed; 1 a scenario failed; 2 usage error, an invalid
 * scenario, or an unwritable --junit file.
 * Threading: workers take the next index under one mutex and publish their
 * result with a condition variable; only the main thread prints.
 */
#include <dirent.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "scenario.h"

struct job {
  char *file;
  cJSON *doc;
  struct scenario_result res;
  int done;
};

struct pool {
  struct job *jobs;
  int njobs;
  int next; /* next index to run */
  int stop; /* --fail-fast tripped */
  int fail_fast;
  pthread_mutex_t mu;
  pthread_cond_t cv;
};

void scenario_result_clear(struct scenario_result *res) {
  free(res->step_name);
  free(res->verb);
  free(res->message);
  free(res->at);
  free(res->expected);
  free(res->got);
  free(res->received);
  memset(res, 0, sizeof(*res));
}

static void usage(FILE *out) {
  fprintf(out,
          "usage: wsgw test [--junit FILE] [--fail-fast] [--jobs N] SCENARIO...\n"
          "\n"
          "Runs declarative JSON scenarios (docs/scenarios.md), each against its own\n"
          "emulator, and prints TAP version 13. A directory means every *.json in it.\n"
          "\n"
          "options:\n"
          "  --junit FILE   also write JUnit XML to FILE\n"
          "  --fail-fast    after a failure, start no more scenarios (reported as SKIP)\n"
          "  --jobs N       scenarios run in parallel (default 2, at most %d)\n"
          "\n"
          "exit: 0 all passed, 1 a scenario failed, 2 usage error or invalid scenario\n",
          SCENARIO_MAX_JOBS);
}

/* ---- Collecting files --------------------------------------------------------- */

static char *join_path(const char *dir, const char *name) {
  size_t n = strlen(dir);
  size_t cap;
  char *p;

  while (n > 1 && dir[n - 1] == '/')
    n--;
  cap = n + strlen(name) + 2;
  p = malloc(cap);
  if (p)
    snprintf(p, cap, "%.*s/%s", (int)n, dir, name);
  return p;
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Appends path (or its *.json, sorted) to files. 0, or -1 with a message. */
static int collect(const char *path, char **files, int *n) {
  struct stat st;
  DIR *d;
  struct dirent *e;
  int first = *n;

  if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode)) {
    if (*n == SCENARIO_MAX_FILES) {
      fprintf(stderr, "wsgw test: more than %d scenarios\n", SCENARIO_MAX_FILES);
      return -1;
    }
    files[*n] = malloc(strlen(path) + 1);
    if (!files[*n]) {
      fprintf(stderr, "wsgw test: out of memory\n");
      return -1;
    }
    memcpy(files[(*n)++], path, strlen(path) + 1);
    return 0;
  }
  d = opendir(path);
  if (!d) {
    fprintf(stderr, "%s: expected a readable directory\n", path);
    return -1;
  }
  while ((e = readdir(d)) != NULL) {
    size_t len = strlen(e->d_name);
    char *full;
    if (len < 6 || strcmp(e->d_name + len - 5, ".json") != 0 || e->d_name[0] == '.')
      continue;
    full = join_path(path, e->d_name);
    if (!full || stat(full, &st) != 0 || !S_ISREG(st.st_mode)) {
      free(full);
      continue;
    }
    if (*n == SCENARIO_MAX_FILES) {
      free(full);
      closedir(d);
      fprintf(stderr, "wsgw test: more than %d scenarios\n", SCENARIO_MAX_FILES);
      return -1;
    }
    files[(*n)++] = full;
  }
  closedir(d);
  if (*n == first) {
    fprintf(stderr, "%s: expected a directory with *.json scenarios, found none\n", path);
    return -1;
  }
  qsort(files + first, (size_t)(*n - first), sizeof(char *), cmp_str);
  return 0;
}

/* ---- Workers ------------------------------------------------------------------ */

static void *worker(void *arg) {
  struct pool *p = arg;

  pthread_mutex_lock(&p->mu);
  while (p->next < p->njobs) {
    struct job *j = &p->jobs[p->next++];
    if (p->stop) {
      j->res.skipped = 1;
      j->done = 1;
      pthread_cond_broadcast(&p->cv);
      continue;
    }
    pthread_mutex_unlock(&p->mu);
    scenario_steps_run(j->doc, j->file, &j->res);
    pthread_mutex_lock(&p->mu);
    j->done = 1;
    if (j->res.failed && p->fail_fast)
      p->stop = 1;
    pthread_cond_broadcast(&p->cv);
  }
  pthread_mutex_unlock(&p->mu);
  return NULL;
}

/* ---- Reports ------------------------------------------------------------------ */

/* s as a double-quoted string (JSON escapes, which YAML accepts). */
static void put_quoted(FILE *out, const char *s) {
  const unsigned char *p;

  fputc('"', out);
  for (p = (const unsigned char *)s; *p; p++) {
    if (*p == '"' || *p == '\\')
      fprintf(out, "\\%c", *p);
    else if (*p == '\n')
      fputs("\\n", out);
    else if (*p == '\r')
      fputs("\\r", out);
    else if (*p == '\t')
      fputs("\\t", out);
    else if (*p < 0x20 || *p == 0x7f)
      fprintf(out, "\\u%04x", *p);
    else
      fputc(*p, out);
  }
  fputc('"', out);
}

/* The YAML lines of a failure (no indentation), also the JUnit failure text. */
static char *diagnostic(const struct job *j) {
  const cJSON *name = cJSON_GetObjectItemCaseSensitive(j->doc, "name");
  char *text = NULL;
  size_t len = 0;
  FILE *out = open_memstream(&text, &len);

  if (!out)
    return NULL;
  fputs("message: ", out);
  put_quoted(out, j->res.message ? j->res.message : "failed");
  fputc('\n', out);
  if (cJSON_IsString(name)) {
    fputs("scenario: ", out);
    put_quoted(out, name->valuestring);
    fputc('\n', out);
  }
  if (j->res.step >= 0)
    fprintf(out, "step: %d\n", j->res.step);
  if (j->res.step_name) {
    fputs("name: ", out);
    put_quoted(out, j->res.step_name);
    fputc('\n', out);
  }
  if (j->res.verb)
    fprintf(out, "verb: %s\n", j->res.verb);
  if (j->res.at) {
    fputs("at: ", out);
    put_quoted(out, j->res.at);
    fputc('\n', out);
  }
  /* JSON texts: valid YAML flow values as they are. */
  if (j->res.expected)
    fprintf(out, "expected: %s\n", j->res.expected);
  if (j->res.got)
    fprintf(out, "got: %s\n", j->res.got);
  if (j->res.received)
    fprintf(out, "received: %s\n", j->res.received);
  fprintf(out, "duration_ms: %ld\n", (long)(j->res.seconds * 1000.0 + 0.5));
  fclose(out);
  return text;
}

/* A TAP description: '#' would start a directive, so it is escaped. */
static void put_description(FILE *out, const char *s) {
  for (; *s; s++) {
    if (*s == '#' || *s == '\\')
      fputc('\\', out);
    fputc(*s == '\n' ? ' ' : *s, out);
  }
}

static void tap_result(int index, const struct job *j) {
  char *diag, *line, *save = NULL;

  if (j->res.skipped) {
    printf("ok %d - ", index + 1);
    put_description(stdout, j->file);
    printf(" # SKIP fail-fast\n");
    fflush(stdout);
    return;
  }
  printf("%s %d - ", j->res.failed ? "not ok" : "ok", index + 1);
  put_description(stdout, j->file);
  putchar('\n');
  if (j->res.failed) {
    diag = diagnostic(j);
    printf("  ---\n");
    for (line = diag ? strtok_r(diag, "\n", &save) : NULL; line; line = strtok_r(NULL, "\n", &save))
      printf("  %s\n", line);
    printf("  ...\n");
    free(diag);
  }
  fflush(stdout);
}

/* XML text (attr 0) or a double-quoted attribute value (attr 1): &, <, >
 * and, in attributes, " and white space as references; characters XML 1.0
 * cannot carry become U+FFFD. */
static void put_xml(FILE *out, const char *s, int attr) {
  const unsigned char *p;

  for (p = (const unsigned char *)s; *p; p++) {
    if (*p == '&')
      fputs("&amp;", out);
    else if (*p == '<')
      fputs("&lt;", out);
    else if (*p == '>')
      fputs("&gt;", out);
    else if (attr && *p == '"')
      fputs("&quot;", out);
    else if (attr && (*p == '\n' || *p == '\r' || *p == '\t'))
      fprintf(out, "&#%d;", *p);
    else if (*p < 0x20 && *p != '\t' && *p != '\n' && *p != '\r')
      fputs("\xEF\xBF\xBD", out);
    else
      fputc(*p, out);
  }
}

/* The directory part of a path ("." when none), for classname. */
static void put_dir(FILE *out, const char *file) {
  const char *slash = strrchr(file, '/');
  char dir[1024];

  if (!slash)
    snprintf(dir, sizeof(dir), ".");
  else
    snprintf(dir, sizeof(dir), "%.*s", (int)(slash - file), file);
  put_xml(out, dir, 1);
}

static int write_junit(FILE *out, const struct job *jobs, int n) {
  int i, failures = 0, skipped = 0;
  double total = 0;

  for (i = 0; i < n; i++) {
    failures += jobs[i].res.failed;
    skipped += jobs[i].res.skipped;
    total += jobs[i].res.seconds;
  }
  fprintf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
  fprintf(out,
          "<testsuites name=\"wsgw test\" tests=\"%d\" failures=\"%d\" errors=\"0\" "
          "skipped=\"%d\" time=\"%.3f\">\n",
          n, failures, skipped, total);
  fprintf(out,
          "  <testsuite name=\"wsgw test\" tests=\"%d\" failures=\"%d\" errors=\"0\" "
          "skipped=\"%d\" time=\"%.3f\">\n",
          n, failures, skipped, total);
  for (i = 0; i < n; i++) {
    const struct job *j = &jobs[i];
    fputs("    <testcase classname=\"", out);
    put_dir(out, j->file);
    fputs("\" name=\"", out);
    put_xml(out, j->file, 1);
    fprintf(out, "\" time=\"%.3f\"", j->res.seconds);
    if (j->res.skipped) {
      fputs(">\n      <skipped message=\"fail-fast\"/>\n    </testcase>\n", out);
    } else if (j->res.failed) {
      char *diag = diagnostic(j);
      fputs(">\n      <failure message=\"", out);
      put_xml(out, j->res.message ? j->res.message : "failed", 1);
      fputs("\" type=\"", out);
      put_xml(out, j->res.verb ? j->res.verb : "failed", 1);
      fputs("\">", out);
      put_xml(out, diag ? diag : "", 0);
      fputs("</failure>\n    </testcase>\n", out);
      free(diag);
    } else {
      fputs("/>\n", out);
    }
  }
  fputs("  </testsuite>\n</testsuites>\n", out);
  return ferror(out) ? -1 : 0;
}

/* ---- Entry ---------------------------------------------------------------------- */

static int parse_jobs(const char *s, int *out) {
  char *end;
  long v = strtol(s, &end, 10);

  if (!*s || *end || v < 1 || v > SCENARIO_MAX_JOBS)
    return -1;
  *out = (int)v;
  return 0;
}

int scenario_main(int argc, char **argv) {
  const char *junit = NULL;
  char **files = NULL;
  int nfiles = 0, jobs = 2, fail_fast = 0, options = 1, rc = 2, invalid = 0, failed = 0, i;
  int nthreads = 0;
  struct pool pool;
  pthread_t threads[SCENARIO_MAX_JOBS];
  FILE *junit_out = NULL;

  memset(&pool, 0, sizeof(pool));
  files = calloc(SCENARIO_MAX_FILES, sizeof(*files));
  if (!files) {
    fprintf(stderr, "wsgw test: out of memory\n");
    return 2;
  }
  for (i = 0; i < argc; i++) {
    const char *a = argv[i];
    if (options && !strcmp(a, "--")) {
      options = 0;
    } else if (options && (!strcmp(a, "--help") || !strcmp(a, "-h"))) {
      usage(stdout);
      rc = 0;
      goto out;
    } else if (options && !strcmp(a, "--fail-fast")) {
      fail_fast = 1;
    } else if (options && (!strcmp(a, "--jobs") || !strcmp(a, "-j") || !strcmp(a, "--junit"))) {
      if (i + 1 >= argc) {
        fprintf(stderr, "wsgw test: %s: missing value\n", a);
        goto out;
      }
      if (!strcmp(a, "--junit")) {
        junit = argv[++i];
      } else if (parse_jobs(argv[++i], &jobs) != 0) {
        fprintf(stderr, "wsgw test: %s: expected 1..%d, got \"%s\"\n", a, SCENARIO_MAX_JOBS,
                argv[i]);
        goto out;
      }
    } else if (options && !strncmp(a, "--junit=", 8)) {
      junit = a + 8;
    } else if (options && !strncmp(a, "--jobs=", 7)) {
      if (parse_jobs(a + 7, &jobs) != 0) {
        fprintf(stderr, "wsgw test: --jobs: expected 1..%d, got \"%s\"\n", SCENARIO_MAX_JOBS,
                a + 7);
        goto out;
      }
    } else if (options && a[0] == '-' && a[1]) {
      fprintf(stderr, "wsgw test: %s: unknown option (see wsgw test --help)\n", a);
      goto out;
    } else if (collect(a, files, &nfiles) != 0) {
      goto out;
    }
  }
  if (nfiles == 0) {
    fprintf(stderr, "wsgw test: no scenario given (see wsgw test --help)\n");
    goto out;
  }
  if (junit && !*junit) {
    fprintf(stderr, "wsgw test: --junit: expected a file name\n");
    goto out;
  }

  /* Every file is validated before anything runs. */
  pool.jobs = calloc((size_t)nfiles, sizeof(*pool.jobs));
  if (!pool.jobs) {
    fprintf(stderr, "wsgw test: out of memory\n");
    goto out;
  }
  pool.njobs = nfiles;
  for (i = 0; i < nfiles; i++) {
    char err[1024];
    pool.jobs[i].file = files[i];
    pool.jobs[i].doc = scenario_check_load(files[i], err, sizeof(err));
    if (!pool.jobs[i].doc) {
      fprintf(stderr, "%s\n", err);
      invalid = 1;
    }
  }
  if (invalid)
    goto out;
  if (junit) {
    junit_out = fopen(junit, "w");
    if (!junit_out) {
      fprintf(stderr, "wsgw test: --junit: cannot write %s\n", junit);
      goto out;
    }
  }

  signal(SIGPIPE, SIG_IGN);
  pool.fail_fast = fail_fast;
  pthread_mutex_init(&pool.mu, NULL);
  pthread_cond_init(&pool.cv, NULL);
  printf("TAP version 13\n1..%d\n", nfiles);
  fflush(stdout);
  if (jobs > nfiles)
    jobs = nfiles;
  for (i = 0; i < jobs; i++) {
    if (pthread_create(&threads[nthreads], NULL, worker, &pool) == 0)
      nthreads++;
  }
  if (nthreads == 0)
    worker(&pool); /* no thread could start: run here */
  for (i = 0; i < nfiles; i++) {
    pthread_mutex_lock(&pool.mu);
    while (!pool.jobs[i].done)
      pthread_cond_wait(&pool.cv, &pool.mu);
    pthread_mutex_unlock(&pool.mu);
    tap_result(i, &pool.jobs[i]);
    failed |= pool.jobs[i].res.failed;
  }
  for (i = 0; i < nthreads; i++)
    pthread_join(threads[i], NULL);
  pthread_cond_destroy(&pool.cv);
  pthread_mutex_destroy(&pool.mu);
  rc = failed ? 1 : 0;
  if (junit_out) {
    if (write_junit(junit_out, pool.jobs, nfiles) != 0) {
      fprintf(stderr, "wsgw test: --junit: error writing %s\n", junit);
      rc = 2;
    }
    if (fclose(junit_out) != 0 && rc != 2) {
      fprintf(stderr, "wsgw test: --junit: error writing %s\n", junit);
      rc = 2;
    }
    junit_out = NULL;
  }
out:
  if (junit_out)
    fclose(junit_out);
  for (i = 0; pool.jobs && i < pool.njobs; i++) {
    cJSON_Delete(pool.jobs[i].doc);
    scenario_result_clear(&pool.jobs[i].res);
  }
  free(pool.jobs);
  for (i = 0; i < nfiles; i++)
    free(files[i]);
  free(files);
  return rc;
}
