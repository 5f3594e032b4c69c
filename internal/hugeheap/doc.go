// Package hugeheap asks Linux to back the Go heap with transparent huge
// pages, for commands that live a few tens of milliseconds.
//
// Why: a short command such as `infer FILE` touches about 8 MB of fresh
// heap (the decoded models, the scoring graphs' buffers), one 4 KB page
// fault at a time. On virtual machines whose host backs guest memory
// lazily, such a fault costs over 10 µs, and the faults were a third of
// the command's time (docs/performance.md). The Go runtime does not advise
// its heap for huge pages, and Linux's default
// (/sys/kernel/mm/transparent_hugepage/enabled = madvise) gives them only
// to mappings advised with MADV_HUGEPAGE. Advise maps a stretch of heap
// up front and advises it, so that the heap the command then uses faults
// in 2 MB at a time.
//
// It is advice: where the kernel has no transparent huge pages, or the
// platform is not Linux, Advise does nothing, and a program runs as it
// would without it. It reads no unexported state of the runtime; it
// relies on one observable fact, that the Go heap is anonymous memory
// mapped in large stretches, which the package's test checks.
package hugeheap
