/** Where the bench's generated directory-sim users live: below OU=Staff, so the seeded delegation reaches them. */
export const BENCH_SIM_CONTAINER = 'OU=Bulk,OU=Staff';
export const BENCH_SIM_PREFIX = 'bench';
