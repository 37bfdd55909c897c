/*
 * replay.c — runs a fuzz harness over its saved corpus without libFuzzer
 * (SQLite's fuzzcheck idea), so that `make test` replays every input the
 * fuzzers ever kept, under the normal compiler and under the sanitizers.
 *
 * The Makefile links this file with one harness (tests/fuzz/fuzz_*.c)
 * into $(BUILD)/fuzz/<harness>; tests/run starts it as
 *
 *   replay DIR...      every regular file in each DIR, in name order
 *
 * and counts a zero exit as a pass.  Before each input it prints the
 * input's path, so that when a harness aborts (or a sanitizer stops the
 * process) the last line names the input that did it.  A directory with
 * no input is a failure: a harness without seeds would replay nothing.
 * The harness's LLVMFuzzerInitialize, when it has one, runs first, as
 * libFuzzer would run it.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

/* Largest input replayed: libFuzzer's -max_len in `make fuzz`. */
#define REPLAY_MAX (64 * 1024)

/* Reads path whole into a malloc'd buffer; NULL (and a message) when it
 * cannot, or when it is larger than REPLAY_MAX. */
static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		perror(path);
		return NULL;
	}
	uint8_t *buf = malloc(REPLAY_MAX + 1);
	size_t n = buf ? fread(buf, 1, REPLAY_MAX + 1, f) : 0;
	int bad = !buf || ferror(f) || n > REPLAY_MAX;
	fclose(f);
	if (bad) {
		fprintf(stderr, "%s: cannot read, or over %d bytes\n", path,
		        REPLAY_MAX);
		free(buf);
		return NULL;
	}
	*len = n;
	return buf;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

/* Replays every regular file in dir; gives the number replayed, or -1
 * when one could not be read. */
static long replay_dir(const char *dir)
{
	struct dirent **names;
	int n = scandir(dir, &names, NULL, by_name);
	if (n < 0) {
		perror(dir);
		return -1;
	}
	long done = 0;
	for (int i = 0; i < n; i++) {
		char path[4096];
		struct stat st;
		int w =
		    snprintf(path, sizeof path, "%s/%s", dir, names[i]->d_name);
		free(names[i]);
		if (w < 0 || (size_t)w >= sizeof path || stat(path, &st) ||
		    !S_ISREG(st.st_mode))
			continue;
		size_t len = 0;
		uint8_t *data = slurp(path, &len);
		if (!data) {
			done = -1;
			continue;
		}
		printf("input %s\n", path);
		fflush(stdout);
		/* A copy of exactly len bytes, so that ASan sees a read past
		 * the input's end as libFuzzer's own buffer would. */
		uint8_t *copy = malloc(len ? len : 1);
		if (!copy)
			abort();
		memcpy(copy, data, len);
		free(data);
		LLVMFuzzerTestOneInput(copy, len);
		free(copy);
		if (done >= 0)
			done++;
	}
	free(names);
	return done;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s CORPUS-DIR...\n", argv[0]);
		return 2;
	}
	if (LLVMFuzzerInitialize)
		LLVMFuzzerInitialize(&argc, &argv);
	long total = 0;
	for (int i = 1; i < argc; i++) {
		long n = replay_dir(argv[i]);
		if (n <= 0) {
			fprintf(stderr, "%s: %s\n", argv[i],
			        n ? "an input could not be read"
			          : "no input to replay");
			return 1;
		}
		total += n;
	}
	printf("replayed %ld inputs\n", total);
	return 0;
}
