// Handing freed heap memory back to the system.
//
// glibc keeps blocks freed below its mmap threshold in the heap for later allocations. After a one-off
// burst (a tokenizer.json parsed into a JSON tree and dropped, a base converted or quantized), those pages
// would stay in the process's RSS for its whole life: about 47 MB after loading Qwen2.5's tokenizer.
#pragma once

namespace lathe {

// malloc_trim(0) where the C library is glibc; nothing elsewhere.
void release_free_memory();

}  // namespace lathe
