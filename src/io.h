/*
 * io.h — the internal interface between the format dispatcher (io.c) and
 * the readers and writers of each format.  Readers take a whole buffer
 * (`name` is for messages) and give a new instance or matching; writers
 * return SP_EIO when the stream fails.
 */
#ifndef SP_IO_H
#define SP_IO_H

#include "internal.h"

/* io.c: reads a whole file (at most SP_MAX_FILE bytes) into a new
 * NUL-terminated buffer freed with sp_free. */
sp_status sp__io_read_file(const char *path, char **buf, size_t *len,
                           sp_err *err);

/* io_rp.c: the stable-matching-suite text format, extended. */
sp_status sp__io_rp_read(const char *buf, size_t len, const char *name,
                         sp_inst **out, sp_err *err);
sp_status sp__io_rp_write(const sp_inst *in, FILE *f);
sp_status sp__io_rp_matching_write(const sp_inst *in, const sp_matching *m,
                                   FILE *f);
sp_status sp__io_rp_matching_read(const sp_inst *in, const char *buf,
                                  size_t len, const char *name,
                                  sp_matching **out, sp_err *err);

/* io_csv.c: a folder of CSV files (see docs/formats.md). */
sp_status sp__io_csv_read_dir(const char *dir, sp_inst **out, sp_err *err);
sp_status sp__io_csv_write_dir(const sp_inst *in, const char *dir, sp_err *err);
sp_status sp__io_csv_matching_write(const sp_inst *in, const sp_matching *m,
                                    FILE *f);
sp_status sp__io_csv_matching_read(const sp_inst *in, const char *buf,
                                   size_t len, const char *name,
                                   sp_matching **out, sp_err *err);

/* io_json.c: one JSON document. */
sp_status sp__io_json_read(const char *buf, size_t len, const char *name,
                           sp_inst **out, sp_err *err);
sp_status sp__io_json_write(const sp_inst *in, FILE *f);
sp_status sp__io_json_matching_write(const sp_inst *in, const sp_matching *m,
                                     FILE *f);
sp_status sp__io_json_matching_read(const sp_inst *in, const char *buf,
                                    size_t len, const char *name,
                                    sp_matching **out, sp_err *err);

#endif
