/* The logistic function and loss, float64 and float32, of the regression and
 * nn2 references. The loss is -y log sigma(z) - (1 - y) log(1 - sigma(z)),
 * evaluated in the stable form softplus(z) - y z = max(z, 0) + log1p(e^-|z|) - y z. */
#ifndef VB_REFERENCE_LOGISTIC_H
#define VB_REFERENCE_LOGISTIC_H
#include <math.h>

static inline double sigmoid(double z) { return 1 / (1 + exp(-z)); }
static inline float sigmoidf(float z) { return 1 / (1 + expf(-z)); }
static inline double logistic_loss(double z, double y) { return fmax(z, 0) + log1p(exp(-fabs(z))) - y * z; }
static inline float logistic_lossf(float z, float y) { return fmaxf(z, 0) + log1pf(expf(-fabsf(z))) - y * z; }

#endif
