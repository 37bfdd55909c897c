/*
 * data.h — the cited calibration tables of data/, embedded in the library
 * at build time (tools/embed), so the binary needs no data directory.
 */
#ifndef SP_DATA_H
#define SP_DATA_H

#include <stddef.h>

/* The bytes of data/NAME (e.g. "specialties_2025.csv"), NUL-terminated,
 * with their length (without the NUL) in *len; NULL when absent. */
const char *sp__data_file(const char *name, size_t *len);

#endif
