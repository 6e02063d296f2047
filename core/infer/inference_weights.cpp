#include "core/infer/inference_weights.h"

#include "core/infer/amx.h"
#include "core/infer/gemv.h"
#include "core/io/safetensors.h"
#include "core/model/fused_kernels_cpu.h"
#include "core/model/transformer.h"
#include "core/util/error.h"
#include "core/util/messages.h"
#include "core/model/model_info.h"
#include "core/peft/adapter_io.h"
#include "core/util/memory.h"

#include <ATen/Parallel.h>

#include <chrono>
#include <map>

namespace lathe {

WeightFormat parse_weight_format(const std::string& name) {
    if (name == "auto" || name.empty()) return WeightFormat::Auto;
    if (name == "f32" || name == "fp32" || name == "float32") return WeightFormat::F32;
    if (name == "bf16" || name == "bfloat16") return WeightFormat::BF16;
    if (name == "int8" || name == "q8_0" || name == "q8") return WeightFormat::Int8;
    throw ConfigError(plain_problem("unknown_inference_weights", {name}));
}

const char* weight_format_name(WeightFormat f) {
    switch (f) {
        case WeightFormat::Auto: return "auto";
        case WeightFormat::F32: return "f32";
        case WeightFormat::BF16: return "bf16";
        case WeightFormat::Int8: return "int8";
    }
    return "?";
}

// ---- PackedWeight ----

PackedWeight::PackedWeight(WeightFormat f, torch::Tensor data, torch::Tensor scales)
    : format_(f), data_(std::move(data)), scales_(std::move(scales)) {}

std::shared_ptr<PackedWeight> PackedWeight::pack(const torch::Tensor& weight, WeightFormat format) {
    if (weight.dim() != 2) throw ModelError("only (out, in) weights can be packed for inference");
    torch::NoGradGuard no_grad;
    auto w = weight.detach();
    if (!w.device().is_cpu()) w = w.cpu();
    const int64_t out = w.size(0), in = w.size(1);
    if (format == WeightFormat::BF16) {
        if (w.scalar_type() != torch::kBFloat16 || !w.is_contiguous()) w = w.to(torch::kBFloat16).contiguous();
        return std::shared_ptr<PackedWeight>(new PackedWeight(format, w, {}));
    }
    if (format != WeightFormat::Int8) throw ModelError("PackedWeight holds bf16 or int8 weights");
    if (in % kernels::kQ8Block != 0)
        throw ConfigError(plain_problem("int8_input_multiple", {std::to_string(kernels::kQ8Block), std::to_string(in)}));
    auto q = torch::empty({out, in}, torch::kInt8);
    auto scales = torch::empty({out, in / kernels::kQ8Block}, torch::kFloat);
    // Chunks of rows converted to float32 once (from bf16, f16 or f32), quantized by all threads.
    constexpr int64_t kChunk = 256;
    for (int64_t r0 = 0; r0 < out; r0 += kChunk) {
        const int64_t n = std::min(kChunk, out - r0);
        auto chunk = w.narrow(0, r0, n).to(torch::kFloat).contiguous();
        const float* src = chunk.data_ptr<float>();
        int8_t* qd = q.data_ptr<int8_t>() + r0 * in;
        float* sd = scales.data_ptr<float>() + r0 * (in / kernels::kQ8Block);
        at::parallel_for(0, n, 16, [&](int64_t b, int64_t e) {
            for (int64_t r = b; r < e; ++r)
                kernels::quantize_q8_row(src + r * in, in, qd + r * in, sd + r * (in / kernels::kQ8Block));
        });
    }
    return std::shared_ptr<PackedWeight>(new PackedWeight(format, q, scales));
}

int64_t PackedWeight::bytes() const {
    return static_cast<int64_t>(data_.nbytes() + (scales_.defined() ? scales_.nbytes() : 0));
}

torch::Tensor PackedWeight::dequantize_rows(int64_t begin, int64_t n) const {
    const int64_t in = in_features();
    auto out = torch::empty({n, in}, torch::kFloat);
    float* dst = out.data_ptr<float>();
    if (format_ == WeightFormat::BF16) {
        const auto* src = reinterpret_cast<const uint16_t*>(data_.data_ptr()) + begin * in;
        at::parallel_for(0, n, 64, [&](int64_t b, int64_t e) {
            for (int64_t r = b; r < e; ++r) kernels::bf16_row_to_f32(src + r * in, in, dst + r * in);
        });
    } else {
        const int8_t* q = data_.data_ptr<int8_t>() + begin * in;
        const int64_t blocks = in / kernels::kQ8Block;
        const float* s = scales_.data_ptr<float>() + begin * blocks;
        at::parallel_for(0, n, 64, [&](int64_t b, int64_t e) {
            for (int64_t r = b; r < e; ++r) kernels::q8_row_to_f32(q + r * in, s + r * blocks, in, dst + r * in);
        });
    }
    return out;
}

torch::Tensor PackedWeight::forward(const torch::Tensor& x, const torch::Tensor& bias) const {
    if (torch::GradMode::is_enabled() && x.requires_grad())
        throw ModelError(plain_problem("packed_weights_no_training", {weight_format_name(format_)}));
    const int64_t in = in_features(), out = out_features();
    if (x.size(-1) != in)
        throw ModelError("packed projection expects " + std::to_string(in) + " input features, got " +
                         std::to_string(x.size(-1)));
    auto xf = x.to(torch::kCPU, torch::kFloat).contiguous();
    const int64_t rows = xf.numel() / in;
    auto shape = x.sizes().vec();
    shape.back() = out;
    auto y = torch::empty({rows, out}, torch::kFloat);
    // Where the kernels treat every input row alike (vdpbf16ps; AVX2's one-row kernels), prompts take the
    // same kernels as decoding, whatever their length: a sequence gets the same bits prefilled alone or in
    // a batch, and the server's answers do not depend on who else is asking. int8 then also stays Q8_0 x
    // Q8_0 for prompts, as in llama.cpp. (The 4 x 4 tiles run a 64-row prompt at about the rate of oneDNN's
    // bf16 GEMM; on AVX2 a 512-row prompt runs at sgemm's rate, a 64-row one 20-30% below it: see
    // docs/inference.md.)
    // Where AMX runs, prompts take its tiles through the same calls (faster than sgemm on float32 tiles).
    if (rows <= kernels::kGemvMaxRows || kernels::rows_are_independent() || kernels::amx_enabled()) {
        const float* xp = xf.data_ptr<float>();
        if (format_ == WeightFormat::BF16)
            kernels::gemv_bf16(reinterpret_cast<const uint16_t*>(data_.data_ptr()), out, in, xp, rows,
                               y.data_ptr<float>());
        else
            kernels::gemv_q8(data_.data_ptr<int8_t>(), scales_.data_ptr<float>(), out, in, xp, rows,
                             y.data_ptr<float>());
    } else {
        // A prompt: float32 tiles of about 8 MB of the weight, each multiplied by all rows with sgemm.
        const auto x2 = xf.view({rows, in});
        const int64_t tile = std::max<int64_t>(64, (int64_t(8) << 20) / (4 * in));
        for (int64_t r0 = 0; r0 < out; r0 += tile) {
            const int64_t n = std::min(tile, out - r0);
            y.narrow(1, r0, n).copy_(torch::mm(x2, dequantize_rows(r0, n).t()));
        }
    }
    if (bias.defined()) y.add_(bias.to(torch::kFloat));
    return y.view(shape);
}

torch::Tensor PackedWeight::swiglu_product(const WeightStorage* up_storage, const torch::Tensor& x) const {
    const int64_t in = in_features();
    if (!kernels::amx_enabled() || !x.device().is_cpu() || x.dim() == 0 || x.size(-1) != in ||
        (torch::GradMode::is_enabled() && x.requires_grad()))
        return {};
    const int64_t rows = x.numel() / in;
    if (rows <= kernels::kGemvMaxRows) return {};
    // The gate's and the up projection's rows: two weights of one shape, or the halves of this one.
    const PackedWeight* up = up_storage ? dynamic_cast<const PackedWeight*>(up_storage) : this;
    if (!up || up->format_ != format_ || up->in_features() != in) return {};
    const int64_t n = up_storage ? out_features() : out_features() / 2;
    if (up_storage ? up->out_features() != n : out_features() % 2 != 0) return {};
    const int64_t up_row = up_storage ? 0 : n;  // where up's rows start in up's data
    const auto xf = x.to(torch::kFloat).contiguous();
    auto shape = x.sizes().vec();
    shape.back() = n;
    auto h = torch::empty(shape, torch::kFloat);
    // The training kernels' SwiGLU (core/model/fused_ops.h's, on the CPU): the same bits as the products
    // written out and swiglu() after them.
    const kernels::GatedActivation act = [](const float* g, const float* u, float* out, int64_t count) {
        cpu_kernels::swiglu_forward(cpu_kernels::Elem::F32, g, u, out, count);
    };
    if (format_ == WeightFormat::BF16) {
        const auto* g = reinterpret_cast<const uint16_t*>(data_.data_ptr());
        const auto* u = reinterpret_cast<const uint16_t*>(up->data_.data_ptr()) + up_row * in;
        kernels::gated_bf16_amx(g, u, n, in, xf.data_ptr<float>(), rows, act, h.data_ptr<float>());
    } else {
        const int64_t blocks = in / kernels::kQ8Block;
        kernels::gated_q8_amx(data_.data_ptr<int8_t>(), scales_.data_ptr<float>(),
                              up->data_.data_ptr<int8_t>() + up_row * in, up->scales_.data_ptr<float>() + up_row * blocks,
                              n, in, xf.data_ptr<float>(), rows, act, h.data_ptr<float>());
    }
    return h;
}

void PackedWeight::row_product(const float* x, float* y) const {
    if (format_ == WeightFormat::BF16)
        kernels::gemv_bf16(reinterpret_cast<const uint16_t*>(data_.data_ptr()), out_features(), in_features(), x, 1, y);
    else
        kernels::gemv_q8(data_.data_ptr<int8_t>(), scales_.data_ptr<float>(), out_features(), in_features(), x, 1, y);
}

torch::Tensor PackedWeight::dense(torch::ScalarType dtype) const {
    return dequantize_rows(0, out_features()).to(dtype);
}

torch::Tensor PackedWeight::rows(const torch::Tensor& ids) const {
    auto flat = ids.reshape(-1).to(torch::kCPU, torch::kLong).contiguous();
    const int64_t n = flat.numel(), in = in_features(), out = out_features();
    auto result = torch::empty({n, in}, torch::kFloat);
    const int64_t* id = flat.data_ptr<int64_t>();
    for (int64_t i = 0; i < n; ++i) {
        if (id[i] < 0 || id[i] >= out)
            throw ModelError(plain_problem("token_outside_embedding_table", {std::to_string(id[i]), std::to_string(out)}));
        result[i].copy_(dequantize_rows(id[i], 1)[0]);
    }
    auto shape = ids.sizes().vec();
    shape.push_back(in);
    return result.view(shape);
}

// ---- loading and packing ----

namespace {

using Clock = std::chrono::steady_clock;
const char* kEmbedName = "model.embed_tokens.weight";

std::map<std::string, LinearImpl*> linears_by_weight(CausalLMImpl& model) {
    std::map<std::string, LinearImpl*> out;
    for (const auto& item : model.named_modules())
        if (auto* l = dynamic_cast<LinearImpl*>(item.value().get())) out[item.key() + ".weight"] = l;
    return out;
}

// Installs the table: lookups and the tied head read it; the dense parameter keeps no memory.
void install_embedding(CausalLMImpl& model, std::shared_ptr<PackedWeight> packed) {
    torch::NoGradGuard no_grad;
    auto& w = model.model->embed_tokens->weight;
    w.set_data(torch::empty({0, w.size(1)}, w.options().dtype(torch::kFloat)));
    model.model->embed_storage = std::move(packed);
}

int64_t dense_bytes(CausalLMImpl& model) {
    int64_t total = 0;
    for (const auto& p : model.parameters()) total += static_cast<int64_t>(p.nbytes());
    return total;
}

std::string file_dtype_of(const std::string& dir) {
    TensorStore store(dir);
    std::string out;
    for (const auto& name : store.names()) {
        const auto& e = store.entry(name);
        if (e.shape.size() != 2) continue;  // the projections and the table decide, not norms
        const std::string d = dtype_name(e.dtype);
        if (out.empty()) out = d;
        else if (out != d) return "mixed";
    }
    return out;
}

}  // namespace

std::string InferenceReport::describe() const {
    std::string s = std::string(weight_format_name(weights)) + " weights, " + format_bytes(weight_bytes);
    if (mapped_bytes > 0) s += " (" + format_bytes(mapped_bytes) + " used in place from the files)";
    // Packed bf16 on a processor with AVX512-BF16: say that activations are rounded (docs/inference.md).
    if (weights == WeightFormat::BF16 && packed_tensors > 0 && kernels::bf16_rounds_input())
        s += ", activations rounded to bf16 for the products (AVX512-BF16)";
    return s;
}

namespace {

// resolve_weight_format() once the checkpoint's dtype is known ("" when it was not needed yet).
WeightFormat resolve_for(const std::string& dir, const std::string& file_dtype, WeightFormat requested,
                         torch::Device device) {
    if (requested == WeightFormat::Int8 && !device.is_cpu())
        throw ConfigError(plain_problem("int8_cpu_only", {device.str()}));
    if (requested != WeightFormat::Auto) return requested;
    return (file_dtype.empty() ? file_dtype_of(dir) : file_dtype) == "BF16" ? WeightFormat::BF16 : WeightFormat::F32;
}

}  // namespace

WeightFormat resolve_weight_format(const std::string& dir, WeightFormat requested, torch::Device device) {
    return resolve_for(dir, "", requested, device);
}

CausalLM load_for_inference(const std::string& dir, const InferenceOptions& options, InferenceReport* report) {
    const auto start = Clock::now();
    InferenceReport rep;
    rep.file_dtype = file_dtype_of(dir);  // read once: it decides auto and goes in the report
    const WeightFormat format = resolve_for(dir, rep.file_dtype, options.weights, options.device);
    rep.weights = format;

    if (!options.adapters.empty()) {
        // Adapters merge into float32 weights, which are then held as asked.
        LoadOptions lo;
        lo.device = options.device;
        LoadReport lr;
        CausalLM model = load_causal_lm(dir, lo, &lr);
        merge_lora_adapters(model.ptr(), options.adapters, dir);
        if (!options.device.is_cpu()) {
            if (format == WeightFormat::BF16) model->to(torch::kBFloat16);
            rep.weight_bytes = dense_bytes(*model);
            rep.dense_tensors = static_cast<int64_t>(model->parameters().size());
        } else {
            const InferenceReport packed = pack_for_inference(*model, format);
            rep.weight_bytes = packed.weight_bytes;
            rep.packed_tensors = packed.packed_tensors;
            rep.dense_tensors = packed.dense_tensors;
        }
        model->eval();
        rep.unused_tensors = lr.unused_tensors;
        release_free_memory();
        rep.load_seconds = std::chrono::duration<double>(Clock::now() - start).count();
        if (report) *report = rep;
        return model;
    }

    if (!options.device.is_cpu()) {
        LoadOptions lo;
        lo.device = options.device;
        lo.dtype = format == WeightFormat::BF16 ? torch::kBFloat16 : torch::kFloat;
        LoadReport lr;
        CausalLM model = load_causal_lm(dir, lo, &lr);
        rep.unused_tensors = lr.unused_tensors;
        rep.weight_bytes = dense_bytes(*model);
        rep.dense_tensors = static_cast<int64_t>(model->parameters().size());
        rep.load_seconds = std::chrono::duration<double>(Clock::now() - start).count();
        if (report) *report = rep;
        return model;
    }

    CausalLM model(read_model_config(dir));  // float32 placeholders: no page of them is touched
    auto linears = linears_by_weight(*model);
    std::map<std::string, torch::Tensor> params;
    for (const auto& item : model->named_parameters()) params[item.key()] = item.value();
    std::map<std::string, std::shared_ptr<PackedWeight>> packed;

    TensorSink sink = [&](const std::string& name, const torch::Tensor& mapped) -> TensorUse {
        if (format == WeightFormat::F32) {
            if (mapped.scalar_type() != torch::kFloat || !mapped.is_contiguous()) return TensorUse::Copy;
            params.at(name).set_data(mapped);
            rep.mapped_bytes += static_cast<int64_t>(mapped.nbytes());
            return TensorUse::InPlace;
        }
        if (!linears.count(name) && name != kEmbedName) return TensorUse::Copy;
        if (format == WeightFormat::Int8 && mapped.size(1) % kernels::kQ8Block != 0) return TensorUse::Copy;
        auto p = PackedWeight::pack(mapped, format);
        const bool in_place = p->data().data_ptr() == mapped.data_ptr();
        if (in_place) rep.mapped_bytes += p->bytes();
        packed[name] = std::move(p);
        return in_place ? TensorUse::InPlace : TensorUse::Taken;
    };
    LoadReport lr;
    load_weights(*model, dir, &lr, sink);
    for (auto& [name, p] : packed) {
        if (name == kEmbedName) install_embedding(*model, p);
        else linears.at(name)->set_storage(p);
    }
    model->eval();
    rep.unused_tensors = lr.unused_tensors;
    rep.packed_tensors = static_cast<int64_t>(packed.size());
    rep.dense_tensors = static_cast<int64_t>(model->parameters().size()) - (packed.count(kEmbedName) ? 1 : 0);
    rep.weight_bytes = dense_bytes(*model);
    for (const auto& [name, p] : packed) rep.weight_bytes += p->bytes();
    release_free_memory();  // what loading freed (headers, conversion buffers) leaves the process's RSS
    rep.load_seconds = std::chrono::duration<double>(Clock::now() - start).count();
    if (report) *report = rep;
    return model;
}

InferenceReport pack_for_inference(CausalLMImpl& model, WeightFormat format) {
    InferenceReport rep;
    rep.weights = format == WeightFormat::Auto ? WeightFormat::F32 : format;
    if (rep.weights != WeightFormat::F32) {
        if (!model.device().is_cpu())
            throw ConfigError(plain_problem("packed_weights_cpu_only", {model.device().str()}));
        for (auto& [name, linear] : linears_by_weight(model)) {
            if (linear->storage || !linear->weight.defined()) continue;
            if (rep.weights == WeightFormat::Int8 && linear->in_features % kernels::kQ8Block != 0) continue;
            linear->set_storage(PackedWeight::pack(linear->weight, rep.weights));
            ++rep.packed_tensors;
        }
        if (!model.model->embed_storage && model.model->embed_tokens->weight.size(1) % kernels::kQ8Block == 0) {
            install_embedding(model, PackedWeight::pack(model.model->embed_tokens->weight, rep.weights));
            ++rep.packed_tensors;
        }
    }
    rep.weight_bytes = dense_bytes(model);
    for (auto& [name, linear] : linears_by_weight(model))
        if (linear->storage) rep.weight_bytes += linear->storage->bytes();
    if (model.model->embed_storage) rep.weight_bytes += model.model->embed_storage->bytes();
    rep.dense_tensors = static_cast<int64_t>(model.parameters().size()) - (model.model->embed_storage ? 1 : 0);
    return rep;
}

WeightFormat inference_format(CausalLMImpl& model) {
    if (auto* p = dynamic_cast<PackedWeight*>(model.model->embed_storage.get())) return p->format();
    for (auto& [name, linear] : linears_by_weight(model))
        if (auto* p = dynamic_cast<PackedWeight*>(linear->storage.get())) return p->format();
    return WeightFormat::F32;
}

}  // namespace lathe
