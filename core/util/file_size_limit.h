// Past `ulimit -f`, the kernel kills a writing process with SIGXFSZ, losing the run without a word.
#pragma once

namespace lathe {

// Called first thing by lathe and lathe-cli: a write past the limit fails with EFBIG ("File too large")
// instead, and the writers report it like a full disk, removing what they staged.
void fail_writes_past_file_size_limit();

}  // namespace lathe
