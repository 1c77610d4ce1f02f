/*
 * director/nft_slots.c - weights to scheduling slots for the nft backend.
 *
 * nft cannot weigh by itself; a scheduler is a number (random, a counter,
 * a hash of the source) looked up in a map of slots, each slot naming a
 * real.  These functions decide how many slots, and in which order.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "director/nft_int.h"

int
nft_slots_apportion(const uint32_t *w, size_t n, uint32_t space,
    uint32_t *slots)
{
	uint64_t sum = 0, given = 0, *rem;
	size_t i, npos = 0;

	for (i = 0; i < n; i++) {
		sum += w[i];
		npos += w[i] > 0;
		slots[i] = 0;
	}
	if (sum == 0)
		return 0;
	if (npos > space)
		return -EINVAL;
	rem = calloc(n, sizeof(*rem));
	if (rem == NULL)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		uint64_t q = (uint64_t)w[i] * space;

		slots[i] = (uint32_t)(q / sum);
		rem[i] = q % sum;
		given += slots[i];
	}
	/* Largest remainders first; ties to the lower index, so the result
	 * depends on the weights only. */
	while (given < space) {
		size_t best = n;

		for (i = 0; i < n; i++)
			if (w[i] > 0 && (best == n || rem[i] > rem[best]))
				best = i;
		slots[best]++;
		rem[best] = 0;
		given++;
	}
	/* Any weight above 0 must be able to receive a connection: take the
	 * slot from whoever has most. */
	for (i = 0; i < n; i++) {
		size_t j, big = 0;

		if (w[i] == 0 || slots[i] > 0)
			continue;
		for (j = 1; j < n; j++)
			if (slots[j] > slots[big])
				big = j;
		slots[big]--;
		slots[i] = 1;
	}
	free(rem);
	return 0;
}

static uint32_t
gcd(uint32_t a, uint32_t b)
{
	while (b != 0) {
		uint32_t t = a % b;

		a = b;
		b = t;
	}
	return a;
}

size_t
nft_slots_rr(const uint32_t *w, size_t n, uint32_t cap, uint32_t *seq)
{
	uint64_t sum = 0;
	uint32_t g = 0, *rw;
	int64_t *cur;
	size_t i, k, len;

	rw = calloc(n ? n : 1, sizeof(*rw));
	cur = calloc(n ? n : 1, sizeof(*cur));
	if (rw == NULL || cur == NULL) {
		free(rw);
		free(cur);
		return 0;
	}
	for (i = 0; i < n; i++)
		g = gcd(g, w[i]);
	for (i = 0; i < n; i++) {
		rw[i] = g ? w[i] / g : 0;
		sum += rw[i];
	}
	if (sum > cap) {
		/*
		 * Too many slots for one rule's map: scale down
		 * proportionally (largest remainder over cap slots, every
		 * w > 0 keeps one).  The ratio is then only approximate;
		 * for exact large weights use wrr.
		 */
		uint32_t *sc = calloc(n, sizeof(*sc));

		if (sc == NULL || nft_slots_apportion(rw, n, cap, sc) < 0) {
			free(sc);
			free(rw);
			free(cur);
			return 0;
		}
		memcpy(rw, sc, n * sizeof(*rw));
		free(sc);
		g = 0;
		for (i = 0; i < n; i++)
			g = gcd(g, rw[i]);
		sum = 0;
		for (i = 0; i < n; i++) {
			rw[i] = g ? rw[i] / g : 0;
			sum += rw[i];
		}
	}
	len = (size_t)sum;
	/* Smooth weighted round robin (as nginx does it): each step every
	 * real gains its weight, the richest is picked and pays the sum.
	 * The result spreads each real's turns evenly over the cycle. */
	for (k = 0; k < len; k++) {
		size_t best = n;

		for (i = 0; i < n; i++) {
			if (rw[i] == 0)
				continue;
			cur[i] += rw[i];
			if (best == n || cur[i] > cur[best])
				best = i;
		}
		cur[best] -= (int64_t)sum;
		seq[k] = (uint32_t)best;
	}
	free(rw);
	free(cur);
	return len;
}
