// Placeholder so the module target exists; replaced by the tokenizer work.
extern "C" int lathe_spm_abi_version() { return 0; }
