/*
 * mpi/main.c — smartpick-mpi: the smartpick command with its heavy work
 * spread over MPI ranks (`make mpi`; `mpirun -np N build/smartpick-mpi
 * simulate ...`).  Built only by `make mpi`; the library and the plain
 * command know nothing of MPI.
 *
 * Every rank runs the same command on the same arguments (SPMD): each
 * loads the catalog and builds the same model, and where the work can
 * be shared the hooks in cli_run (cli.h) share it:
 *
 *  - simulate: rank r runs trials [T r / N, T (r + 1) / N) of the seed
 *    (sp_simulate_range, threads inside the rank as usual); the ranks'
 *    counts, all integer sums over trials, are added with one
 *    MPI_Allreduce, so every rank holds exactly sp_simulate's result
 *    (integer addition does not depend on order).
 *  - calibrate: the optimizer runs on every rank in lockstep (it is
 *    deterministic and its inputs agree); the Jacobian's groups, one
 *    evaluation each, are split into blocks of points by rank and the
 *    residuals gathered with MPI_Allgatherv.  The trust region's own
 *    evaluations spread their trials like simulate.
 *  - study: each value of the sweep is a simulation, spread as above.
 *
 * Only rank 0 is heard: the others' stdout goes to /dev/null, and
 * cli_out_open and the database writes check the rank.  Before any
 * collective that follows local work, the ranks agree on the status
 * (MPI_Allreduce of the worst), so one rank's failure fails all of
 * them instead of leaving the others waiting; a command that fails on
 * some rank ends the job with MPI_Abort and its exit code.
 *
 * Rejected: a master handing out trials one by one (the trials of one
 * simulation cost about the same, and the static split needs no
 * messages but the final sum); gathering the per-trial figures (the
 * counts are what the result is made of, and they are small).
 */
#include "cli.h"

#include <mpi.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* cli/main.c's main, renamed when `make mpi` compiles it. */
int cli_main(int argc, char **argv);

/* The worst status of all ranks; a rank that did not fail itself says
 * which failed. */
static sp_status agree(sp_status s, sp_err *err)
{
	int mine = (int)s, worst = 0;
	MPI_Allreduce(&mine, &worst, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
	if (worst && !s && err)
		snprintf(err->msg, sizeof err->msg,
		         "another MPI rank failed: %s",
		         sp_strerror((sp_status)worst));
	return (sp_status)worst;
}

static int share(int n, int r)
{
	return (int)((int64_t)n * r / cli_run.ranks);
}

static sp_status mpi_simulate(const sp_model *m, const sp_sim_opts *o,
                              sp_sim_result **out, sp_err *err)
{
	*out = NULL;
	double t0 = MPI_Wtime();
	int first = share(o->trials, cli_run.rank);
	int end = share(o->trials, cli_run.rank + 1);
	sp_sim_opts so = *o;
	if (cli_run.rank != 0)
		so.progress = NULL;
	sp_sim_result *r = NULL;
	sp_status s = o->trials < 1 ? sp_simulate(m, o, &r, err)
	                            : sp_simulate_range(m, &so, first,
	                                                end - first, &r, err);
	size_t n = s ? 0 : sp_sim_result_counts(r, NULL, 0);
	int64_t *v = n ? malloc(n * sizeof *v) : NULL;
	int64_t *sum = n ? malloc(n * sizeof *sum) : NULL;
	if (!s && (!v || !sum || n > (size_t)INT32_MAX))
		s = SP_ENOMEM;
	s = agree(s, err);
	if (!s) {
		sp_sim_result_counts(r, v, n);
		MPI_Allreduce(v, sum, (int)n, MPI_INT64_T, MPI_SUM,
		              MPI_COMM_WORLD);
		double ms = sp_sim_result_trial_ms(r), msum = 0;
		MPI_Allreduce(&ms, &msum, 1, MPI_DOUBLE, MPI_SUM,
		              MPI_COMM_WORLD);
		s = sp_sim_result_set_counts(r, sum, n);
		sp_sim_result_set_timing(r, 0, (MPI_Wtime() - t0) * 1e3, msum);
	}
	free(v);
	free(sum);
	if (s) {
		sp_sim_result_free(r);
		return s;
	}
	*out = r;
	return SP_OK;
}

static sp_status mpi_calib_batch(void *ctx, sp_calib_batch *b, sp_err *err)
{
	(void)ctx;
	int n = sp_calib_batch_points(b), nr = cli_run.ranks;
	int nf = (int)sp_calib_batch_nresid(b);
	int *counts = malloc((size_t)nr * sizeof *counts);
	int *displs = malloc((size_t)nr * sizeof *displs);
	sp_status s = counts && displs ? SP_OK : SP_ENOMEM;
	for (int r = 0; !s && r < nr; r++) {
		displs[r] = share(n, r) * nf;
		counts[r] = (share(n, r + 1) - share(n, r)) * nf;
	}
	for (int i = share(n, cli_run.rank);
	     !s && i < share(n, cli_run.rank + 1); i++)
		s = sp_calib_batch_run(b, i, err);
	s = agree(s, err);
	if (!s && n > 0)
		MPI_Allgatherv(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL,
		               sp_calib_batch_resid(b, 0), counts, displs,
		               MPI_DOUBLE, MPI_COMM_WORLD);
	free(counts);
	free(displs);
	return s;
}

/* The commands whose work is spread; the others (some write the
 * database) belong to the plain command. */
static bool spread(int argc, char **argv)
{
	static const char *const ok[] = {"simulate", "calibrate", "study",
	                                 "help",     "--help",    "-h",
	                                 "version",  "--version"};
	for (size_t i = 0; argc > 1 && i < sizeof ok / sizeof *ok; i++)
		if (!strcmp(argv[1], ok[i]))
			return true;
	return false;
}

/* On one node, Open MPI's ob1 messaging over shared memory starts in
 * half the time of UCX, Debian's default, which pays only across nodes
 * (InfiniBand): 0.2 s of every run on one machine.  mpirun tells each
 * process the job's size and its node's share before MPI_Init reads
 * the environment; an OMPI_MCA_pml of the user's wins. */
static void one_node_pml(void)
{
	const char *size = getenv("OMPI_COMM_WORLD_SIZE");
	const char *local = getenv("OMPI_COMM_WORLD_LOCAL_SIZE");
	if (size && local && !strcmp(size, local))
		setenv("OMPI_MCA_pml", "ob1", 0);
}

int main(int argc, char **argv)
{
	int provided;
	one_node_pml();
	/* Worker threads never call MPI; only the main thread does. */
	if (MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided)) {
		fprintf(stderr, "smartpick-mpi: MPI_Init failed\n");
		return EXIT_INTERNAL;
	}
	MPI_Comm_rank(MPI_COMM_WORLD, &cli_run.rank);
	MPI_Comm_size(MPI_COMM_WORLD, &cli_run.ranks);
	cli_run.simulate = mpi_simulate;
	cli_run.calib_batch = mpi_calib_batch;
	/* Threads by default: the node's cores shared by its ranks (all
	 * cores in every rank would oversubscribe them). */
	MPI_Comm node;
	int local = 1;
	if (!MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0,
	                         MPI_INFO_NULL, &node)) {
		MPI_Comm_size(node, &local);
		MPI_Comm_free(&node);
	}
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	long per = local > 0 ? cores / local : cores;
	cli_run.threads = per < 1 ? 1 : per > 256 ? 256 : (int)per;
	if (cli_run.rank != 0 && !freopen("/dev/null", "w", stdout)) {
		fprintf(stderr, "smartpick-mpi: cannot open /dev/null\n");
		MPI_Abort(MPI_COMM_WORLD, EXIT_IO);
	}
	int rc = EXIT_USAGE;
	if (spread(argc, argv))
		rc = cli_main(argc, argv);
	else if (cli_run.rank == 0)
		fprintf(stderr,
		        "smartpick-mpi: runs simulate, calibrate and study "
		        "over MPI ranks; use smartpick for %s\n",
		        argc > 1 ? argv[1] : "the other commands");
	fflush(stdout);
	if (rc)
		MPI_Abort(MPI_COMM_WORLD, rc);
	MPI_Finalize();
	return rc;
}
