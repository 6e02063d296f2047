/* The C interface of the lathe_spm module (sentencepiece_module.cpp), which core loads with dlopen.
 * Plain C types only: the module carries its own C++ runtime state (sentencepiece, protobuf-lite) that
 * must never meet LibTorch's. Strings and arrays the module returns are freed with lathe_spm_free. */
#ifndef LATHE_SENTENCEPIECE_MODULE_API_H
#define LATHE_SENTENCEPIECE_MODULE_API_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define LATHE_SPM_ABI_VERSION 1

/* Piece types, as in SentencePiece's ModelProto. */
enum { LATHE_SPM_NORMAL = 1, LATHE_SPM_UNKNOWN = 2, LATHE_SPM_CONTROL = 3, LATHE_SPM_USER_DEFINED = 4,
       LATHE_SPM_UNUSED = 5, LATHE_SPM_BYTE = 6 };

typedef struct lathe_spm lathe_spm;

int lathe_spm_abi_version(void);

/* NULL on failure, with *error set to a message. */
lathe_spm* lathe_spm_load_file(const char* path, char** error);
lathe_spm* lathe_spm_load_bytes(const char* data, size_t size, char** error);
void lathe_spm_destroy(lathe_spm* sp);

/* 0 on success: *ids (n_ids entries) or *text (size bytes, NUL-terminated) are allocated by the module.
 * Otherwise non-zero, with *error set. */
int lathe_spm_encode(const lathe_spm* sp, const char* text, size_t size, int32_t** ids, size_t* n_ids, char** error);
int lathe_spm_decode(const lathe_spm* sp, const int32_t* ids, size_t n_ids, char** text, size_t* size, char** error);

int32_t lathe_spm_vocab_size(const lathe_spm* sp);
/* The piece of `id` (valid while `sp` lives), NULL when out of range. */
const char* lathe_spm_id_to_piece(const lathe_spm* sp, int32_t id, size_t* size);
/* -1 when `piece` is not in the vocabulary. */
int32_t lathe_spm_piece_to_id(const lathe_spm* sp, const char* piece, size_t size);
float lathe_spm_score(const lathe_spm* sp, int32_t id);
int lathe_spm_piece_type(const lathe_spm* sp, int32_t id);
int32_t lathe_spm_bos_id(const lathe_spm* sp);
int32_t lathe_spm_eos_id(const lathe_spm* sp);
int32_t lathe_spm_unk_id(const lathe_spm* sp);
int32_t lathe_spm_pad_id(const lathe_spm* sp);

/* SentencePiece's log threshold: 0 info (the default; training is chatty), 1 warning, 2 error. */
void lathe_spm_set_min_log_level(int level);

/* Trains a model from SentencePieceTrainer's argument string ("--input=a.txt --model_prefix=m ...").
 * NULL on success, else the error message. */
char* lathe_spm_train(const char* args);

void lathe_spm_free(void* p);

#ifdef __cplusplus
}
#endif

#endif
