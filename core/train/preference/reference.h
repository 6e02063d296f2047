// Where DPO and KTO take the reference model's log-probs from:
//  - LoRA / QLoRA: the trained model itself with its adapter switched off, i.e. the exact base (no
//    second copy in memory, as LLaMA-Factory's disable_adapter());
//  - full / freeze: a frozen copy (freeze shares the frozen tensors and copies only the trained ones),
//    or the model as loaded from disk when a run resumes;
//  - precompute_ref_log_probs: any of these run once over the data before training, then a table.
#pragma once
#include "core/train/preference/sequence_logps.h"
#include "core/util/error.h"

#include <memory>
#include <string>
#include <vector>

namespace lathe {

class Collective;

class CausalLMImpl;
class LoraModel;
struct Batch;
struct Example;

class Reference {
public:
    virtual ~Reference() = default;
    // Log-probs of every row of `batch` (pairs: chosen rows, then rejected rows) under the reference,
    // without gradients.
    virtual SequenceLogps logps(const Batch& batch) = 0;
    virtual Problem describe() const = 0;  // "the base model (adapter switched off)", as data
};

std::unique_ptr<Reference> adapter_off_reference(std::shared_ptr<LoraModel> lora);
// A frozen copy of `model` (no adapters, no quantized weights): parameters that do not require grad are
// shared with `model`, the others cloned.
std::unique_ptr<Reference> frozen_copy_reference(CausalLMImpl& model);
// A model kept as the reference as it is (e.g. loaded from disk); frozen and put in eval mode.
std::unique_ptr<Reference> model_reference(std::shared_ptr<CausalLMImpl> model, Problem what);
// The model being trained, as it is now (before training: the source for precomputing); not frozen.
std::unique_ptr<Reference> current_model_reference(CausalLMImpl& model);

// Runs `source` once over `examples` in batches of `batch_size` and answers later batches from the table,
// keyed by each row's tokens and labels. A row not in the table is a ModelError. With `dist` (a
// data-parallel run) each rank runs every world-th batch and the ranks share the values (the same batches
// as one process, so the same values).
std::unique_ptr<Reference> precomputed_reference(Reference& source, const std::vector<const Example*>& examples,
                                                 int batch_size, int32_t pad_id, c10::Device device,
                                                 Collective* dist = nullptr);

}  // namespace lathe
