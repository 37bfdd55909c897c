/*
 * cmd_help.c — `smartpick help TOPIC`: what the figures mean, in plain
 * words.  The text is man/topics/TOPIC.txt, embedded by tools/embed; the
 * same files make the TOPICS section of smartpick(1) (tools/man-topics),
 * so the command and the man page cannot drift apart.
 */
#include "cli.h"

#include <string.h>

/* In the order the list shows them. */
static const char *const topics[] = {
    "interview", "match", "tiers", "signals", "stop", "interval", "ranking"};

static const char *topic_text(const char *name, size_t *len)
{
	char file[64];
	if (strlen(name) > 32)
		return NULL;
	snprintf(file, sizeof file, "%s.txt", name);
	return cli_help_file(file, len);
}

void cli_help_topics(FILE *f)
{
	fprintf(f, "\nhelp topics ('smartpick help TOPIC'):\n");
	for (size_t i = 0; i < sizeof topics / sizeof *topics; i++) {
		size_t len;
		const char *t = topic_text(topics[i], &len);
		const char *nl = t ? memchr(t, '\n', len) : NULL;
		if (nl)
			fprintf(f, "  %-10s %.*s\n", topics[i], (int)(nl - t),
			        t);
	}
}

int cmd_help(int argc, char **argv)
{
	if (argc != 2)
		return cli_usage("help", "expected one topic");
	size_t len;
	const char *t = topic_text(argv[1], &len);
	if (!t) {
		cli_error("help", "no topic '%s'", argv[1]);
		cli_help_topics(stderr);
		return EXIT_USAGE;
	}
	fwrite(t, 1, len, stdout);
	return EXIT_OKAY;
}
