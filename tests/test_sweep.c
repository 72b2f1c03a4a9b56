/* Crossovers of two timing curves along a sweep, and the sweep's parser. */
#include <math.h>
#include <string.h>

#include "cli.h"
#include "expect.h"

static int near(double a, double b) { return fabs(a - b) <= 1e-12 * fabs(b); }

int main(void) {
	double xc[8];
	/* b constant, a growing: a faster below, b above; crossing at a point of equal time */
	double x[] = {1, 2, 4, 8}, a[] = {1, 2, 4, 8}, b[] = {4, 4, 4, 4};
	int n = vb_crossover(x, a, b, 4, xc, 8);
	EXPECT(n == 1 && near(xc[0], 4), "equal at x = 4: got %d crossings, first %g", n, xc[0]);
	/* between two points: log-linear, ratio 1/2 at x = 1 and 2 at x = 4 cross at x = 2 */
	double x2[] = {1, 4}, a2[] = {1, 4}, b2[] = {2, 2};
	n = vb_crossover(x2, a2, b2, 2, xc, 8);
	EXPECT(n == 1 && near(xc[0], 2), "interpolated crossing at 2: got %d, %g", n, xc[0]);
	/* the same with the variants swapped: the same place */
	n = vb_crossover(x2, b2, a2, 2, xc, 8);
	EXPECT(n == 1 && near(xc[0], 2), "swapped: got %d, %g", n, xc[0]);
	/* never crossing */
	double a3[] = {1, 1, 1, 1};
	EXPECT(vb_crossover(x, a3, b, 4, xc, 8) == 0, "a always faster: no crossing");
	/* a point not measured (NAN) is skipped: log ratio -log 2 at x = 1, 3 log 2 at x = 8 */
	double a4[] = {1, NAN, NAN, 16}, b4[] = {2, 2, 2, 2};
	n = vb_crossover(x, a4, b4, 4, xc, 8);
	EXPECT(n == 1 && near(xc[0], pow(8, 0.25)), "across a gap: got %d, %g", n, xc[0]);
	/* two crossings, and max respected */
	double a5[] = {1, 3, 1, 3};
	n = vb_crossover(x, a5, b4, 4, xc, 8);
	EXPECT(n == 3, "three crossings: got %d", n);
	EXPECT(vb_crossover(x, a5, b4, 4, xc, 1) == 1, "max 1");

	vb_sweep_spec sp;
	char err[256];
	EXPECT(vb_sweep_parse("density=0.001,0.5", &sp, err, sizeof err) == 0 && sp.n == 2 &&
	           !strcmp(sp.name, "density") && sp.value[0] == 0.001,
	       "parse density");
	const char *bad[] = {"foo=", "=1", "m", "m=1,", "m=,1", "m=-1", "m=0", "m=1,1", "m=abc", "M=1", "m=1e999"};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		EXPECT(vb_sweep_parse(bad[i], &sp, err, sizeof err) != 0 && !strchr(err, '\n'), "refuses '%s'", bad[i]);
	EXPECT(vb_sweep_dim_value(0.05, 1) == 50 && vb_sweep_dim_value(1, 1) == 1000, "per mille");
	EXPECT(vb_sweep_dim_value(0.0005, 1) < 0 && vb_sweep_dim_value(2, 1) < 0, "per mille out of range");
	EXPECT(vb_sweep_dim_value(4096, 0) == 4096 && vb_sweep_dim_value(1.5, 0) < 0, "integers");
	return expect_exit_status();
}
