// Precision: the decision (bf16: auto | true | false, pure_bf16) for injected hardware, the CPU probe
// against the kernel's view, a bf16 model's norms, rope, mask and value head, QLoRA's base product under
// autocast, and whole runs that hold what the decision says (a LoRA run's base in bf16 with its adapter
// and AdamW state in float32; freeze's frozen layers rounded to bf16; pure bf16 everything in bf16).
#include "tests/registry.h"

#include "core/io/safetensors.h"
#include "core/model/model_folder.h"
#include "core/model/value_head.h"
#include "core/peft/params.h"
#include "core/peft/quantized_linear.h"
#include "core/util/autocast.h"
#include "core/train/precision.h"
#include "core/train/session.h"
#include "core/util/cpu_features.h"
#include "core/util/fs.h"
#include "tests/core/train/train_fixtures.h"

#include <QtTest>

#include <fstream>
#include <set>
#include <sstream>

using namespace lathe;
using namespace lathe::test;

namespace {

HardwareProbe cpu_with(bool avx512_bf16, bool amx_bf16, bool os_avx512 = true, bool os_amx = true) {
    HardwareProbe p;
    p.cpu.avx512_bf16 = avx512_bf16;
    p.cpu.amx_bf16 = amx_bf16;
    p.cpu.os_avx512 = os_avx512;
    p.cpu.os_amx = os_amx;
    return p;
}

HardwareProbe gpu_with(int major, int minor) {
    HardwareProbe p = cpu_with(true, true);  // the host CPU must not matter for a CUDA run
    p.cuda_major = major;
    p.cuda_minor = minor;
    return p;
}

const c10::Device kCpu(c10::kCPU);
const c10::Device kCuda0(c10::kCUDA, 0);

// The kernel's CPU flags (Linux), or an empty set when /proc/cpuinfo is not there.
std::set<std::string> kernel_cpu_flags() {
    std::ifstream in("/proc/cpuinfo");
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("flags", 0) != 0) continue;
        std::istringstream words(line.substr(line.find(':') + 1));
        std::set<std::string> flags;
        for (std::string w; words >> w;) flags.insert(w);
        return flags;
    }
    return {};
}

struct Messages {
    std::vector<std::string> info, warnings;
    bool has_info(const std::string& text) const {
        for (const auto& m : info)
            if (m == text) return true;
        return false;
    }
    std::string info_starting(const std::string& prefix) const {
        for (const auto& m : info)
            if (m.rfind(prefix, 0) == 0) return m;
        return {};
    }
};

TrainSummary run_collecting(const TrainConfig& c, Messages& m) {
    TrainerEvents ev;
    ev.on_message = [&](const std::string& level, const Problem& note) {
        const std::string& text = note.message;
        (level == "info" ? m.info : m.warnings).push_back(text);
    };
    return run_training(c, ev);
}

// "trainable params: 4,096 || all params: 70,000 || ..." -> {4096, 70000}.
std::pair<int64_t, int64_t> param_counts(const Messages& m) {
    std::string line = m.info_starting("trainable params: ");
    line.erase(std::remove(line.begin(), line.end(), ','), line.end());
    int64_t trainable = 0, all = 0;
    std::sscanf(line.c_str(), "trainable params: %ld || all params: %ld", &trainable, &all);
    return {trainable, all};
}

// Every tensor of a safetensors file in `dtype` ("F32", "BF16"); an optimizer's "step" counter aside.
bool all_tensors_are(const std::string& path, const std::string& dtype, std::string* offender = nullptr) {
    SafetensorsFile f(path);
    for (const auto& e : f.entries())
        if (dtype_name(e.dtype) != dtype && e.name != "step") {
            if (offender) *offender = e.name + " is " + dtype_name(e.dtype);
            return false;
        }
    return !f.entries().empty();
}

bool exactly_bf16(const torch::Tensor& t) { return torch::equal(t, t.to(torch::kBFloat16).to(t.scalar_type())); }

}  // namespace

class TestPrecision : public QObject {
    Q_OBJECT

private slots:
    void autoFollowsTheCpu() {
        struct Case {
            HardwareProbe probe;
            PrecisionMode mode;
            std::string reason;
        };
        const std::vector<Case> cases = {
            {cpu_with(true, false), PrecisionMode::Bf16, "bf16 (auto: this CPU has AVX512-BF16)"},
            {cpu_with(false, true), PrecisionMode::Bf16, "bf16 (auto: this CPU has AMX-BF16)"},
            {cpu_with(true, true), PrecisionMode::Bf16, "bf16 (auto: this CPU has AVX512-BF16 and AMX-BF16)"},
            {cpu_with(false, false), PrecisionMode::Fp32, "fp32 (auto: this CPU has no bf16 instructions)"},
            // The instructions without the OS saving their registers would fault: no.
            {cpu_with(true, false, false, true), PrecisionMode::Fp32,
             "fp32 (auto: this CPU has AVX512-BF16, but the operating system has not enabled AVX-512)"},
            {cpu_with(false, true, true, false), PrecisionMode::Fp32,
             "fp32 (auto: this CPU has AMX-BF16, but the operating system has not enabled AMX)"},
            {cpu_with(true, true, true, false), PrecisionMode::Bf16, "bf16 (auto: this CPU has AVX512-BF16)"},
        };
        for (const auto& c : cases) {
            const Precision p = decide_precision(Toggle::Auto, false, kCpu, c.probe);
            QCOMPARE(p.reason.message, c.reason);
            QVERIFY2(p.mode == c.mode, c.reason.c_str());
            QVERIFY2(p.warning.message.empty(), p.warning.message.c_str());  // auto never warns: it picks what runs well
        }
    }

    void autoFollowsTheGpu() {
        const Precision turing = decide_precision(Toggle::Auto, false, kCuda0, gpu_with(7, 5));
        QVERIFY(turing.mode == PrecisionMode::Fp32);
        QCOMPARE(turing.reason.message, std::string("fp32 (auto: cuda:0 has compute capability 7.5, bf16 needs 8.0)"));
        const Precision ampere = decide_precision(Toggle::Auto, false, kCuda0, gpu_with(8, 0));
        QVERIFY(ampere.mode == PrecisionMode::Bf16);
        QCOMPARE(ampere.reason.message, std::string("bf16 (auto: cuda:0 has compute capability 8.0)"));
        const Precision hopper = decide_precision(Toggle::Auto, false, c10::Device(c10::kCUDA, 1), gpu_with(9, 0));
        QVERIFY(hopper.mode == PrecisionMode::Bf16);
        QCOMPARE(hopper.reason.message, std::string("bf16 (auto: cuda:1 has compute capability 9.0)"));
        const Precision unknown = decide_precision(Toggle::Auto, false, kCuda0, gpu_with(0, 0));
        QVERIFY(unknown.mode == PrecisionMode::Fp32);
        QCOMPARE(unknown.reason.message, std::string("fp32 (auto: the compute capability of cuda:0 is unknown)"));
    }

    void explicitSettingsWinAndSayWhenSlow() {
        const Precision on = decide_precision(Toggle::On, false, kCpu, cpu_with(true, false));
        QVERIFY(on.mode == PrecisionMode::Bf16);
        QCOMPARE(on.reason.message, std::string("bf16 (bf16: true)"));
        QVERIFY(on.warning.message.empty());
        // Asked for where it is emulated: it runs (LibTorch computes bf16 correctly everywhere), with a warning.
        const Precision slow = decide_precision(Toggle::On, false, kCpu, cpu_with(false, false));
        QVERIFY(slow.mode == PrecisionMode::Bf16);
        QCOMPARE(slow.warning.message, std::string("bf16 was asked for, but this CPU has no bf16 instructions: LibTorch emulates "
                                           "bf16 there, usually slower than fp32 (bf16: auto would choose fp32)"));
        const Precision old_gpu = decide_precision(Toggle::On, false, kCuda0, gpu_with(7, 5));
        QVERIFY(old_gpu.mode == PrecisionMode::Bf16);
        QVERIFY2(old_gpu.warning.message.find("compute capability 7.5") != std::string::npos, old_gpu.warning.message.c_str());
        const Precision off = decide_precision(Toggle::Off, false, kCpu, cpu_with(true, true));
        QVERIFY(off.mode == PrecisionMode::Fp32);
        QCOMPARE(off.reason.message, std::string("fp32 (bf16: false)"));
        // pure_bf16 implies bf16 whatever bf16 says (LLaMA-Factory).
        for (Toggle t : {Toggle::Auto, Toggle::On, Toggle::Off}) {
            const Precision pure = decide_precision(t, true, kCpu, cpu_with(false, true));
            QVERIFY(pure.mode == PrecisionMode::PureBf16);
            QCOMPARE(pure.reason.message, std::string("pure bf16 (pure_bf16: true)"));
            QVERIFY(pure.warning.message.empty());
        }
        QVERIFY(!decide_precision(Toggle::Auto, true, kCpu, cpu_with(false, false)).warning.message.empty());
    }

    void dtypesOfEachMode() {
        const auto p = [](Toggle t, bool pure) { return decide_precision(t, pure, kCpu, cpu_with(true, false)); };
        const Precision fp32 = p(Toggle::Off, false), bf16 = p(Toggle::On, false), pure = p(Toggle::Off, true);
        QCOMPARE(fp32.name(), std::string("fp32"));
        QVERIFY(fp32.autocast_dtype() == c10::kFloat && fp32.frozen_dtype() == c10::kFloat &&
                fp32.trainable_dtype() == c10::kFloat);
        QCOMPARE(bf16.name(), std::string("bf16"));
        QVERIFY(bf16.autocast_dtype() == c10::kBFloat16 && bf16.frozen_dtype() == c10::kBFloat16 &&
                bf16.trainable_dtype() == c10::kFloat);
        QCOMPARE(pure.name(), std::string("pure bf16"));
        QVERIFY(pure.autocast_dtype() == c10::kFloat && pure.frozen_dtype() == c10::kBFloat16 &&
                pure.trainable_dtype() == c10::kBFloat16);
        QCOMPARE(precision_details(bf16, Method::Lora, 0).message,
                 std::string("frozen base weights in bf16; LoRA weights, their gradients and AdamW state in float32; "
                             "matrix products in bf16 (autocast)"));
        QCOMPARE(precision_details(bf16, Method::Lora, 4).message,
                 std::string("base quantized to 4 bits from bf16, computed in bf16; LoRA weights, their gradients and "
                             "AdamW state in float32; matrix products in bf16 (autocast)"));
        QCOMPARE(precision_details(fp32, Method::Lora, 0).message, std::string("weights, gradients and AdamW state in float32"));
        QVERIFY(precision_details(pure, Method::Full, 0).message.find("no float32 copy") != std::string::npos);
    }

    // The probe agrees with the kernel's reading of CPUID (which also drops features the OS does not enable).
    void cpuProbeAgreesWithTheKernel() {
        const auto flags = kernel_cpu_flags();
        if (flags.empty() || !flags.count("sse2")) QSKIP("no x86 /proc/cpuinfo here");
        const CpuFeatures& f = cpu_features();
        QCOMPARE(f.usable_avx512_bf16(), bool(flags.count("avx512_bf16")));
        QCOMPARE(f.usable_amx_bf16(), bool(flags.count("amx_bf16") && flags.count("amx_tile")));
        QVERIFY(!f.brand.empty());
        // The real decision on this machine is the injected one with this machine's probe.
        TrainConfig c;
        c.device = "cpu";
        const Precision real = decide_precision(c);
        QCOMPARE(real.reason.message, decide_precision(Toggle::Auto, false, kCpu, probe_hardware(kCpu)).reason.message);
        QCOMPARE(real.mode == PrecisionMode::Bf16, f.fast_bf16());
    }

    // A model held in bf16 (HF's torch_dtype=bfloat16) computes what the float32 model does to bf16's
    // precision: norms in float32, rope tables and the additive mask in bf16 without overflow (a fully
    // masked row of a left-padded batch stays finite), and a value head that stays float32 under autocast.
    void bf16ModelMatchesFloat32() {
        ModelConfig cfg = tiny_config();
        CausalLM m32(cfg), m16(cfg);
        m32->init_weights(3);
        m16->init_weights(3);
        m16->to(torch::kBFloat16);
        auto ids = torch::tensor({{5, 9, 2, 7, 3, 1}, {0, 0, 4, 8, 6, 2}}, torch::kLong);
        auto mask = torch::tensor({{1, 1, 1, 1, 1, 1}, {0, 0, 1, 1, 1, 1}}, torch::kLong);  // left padding
        ForwardOptions o;
        o.attention_mask = mask;
        torch::NoGradGuard no_grad;
        const auto h32 = m32->hidden_states(ids, o);
        const auto h16 = m16->hidden_states(ids, o);
        QVERIFY(h16.scalar_type() == torch::kBFloat16);
        QVERIFY(torch::isfinite(h16).all().item<bool>());
        const double rel = ((h16.to(torch::kFloat) - h32).norm() / h32.norm()).item<double>();
        QVERIFY2(rel < 2e-2, std::to_string(rel).c_str());  // bf16 keeps 8 bits: ~0.4% per rounding
        const auto l32 = m32->logits(h32), l16 = m16->logits(h16).to(torch::kFloat);
        const double lrel = ((l16 - l32).norm() / l32.norm()).item<double>();
        QVERIFY2(lrel < 3e-2, std::to_string(lrel).c_str());

        ValueHead head(cfg.hidden_size, torch::kCPU, 5);
        AutocastScope autocast(torch::kCPU, torch::kBFloat16);
        const auto scores = last_token_scores(head, h16, mask);
        QVERIFY(scores.scalar_type() == torch::kFloat);
        // The head reads the last real token of each row (the mask's count - 1, as for right padding).
        const auto last = torch::stack({h16[0][5], h16[1][3]}).to(torch::kFloat);
        const auto want = torch::matmul(last.to(torch::kDouble), head.weight.to(torch::kDouble).t()).squeeze(-1) +
                          head.bias.to(torch::kDouble);
        QVERIFY2(torch::allclose(scores.to(torch::kDouble), want, 1e-6, 1e-6),
                 "the value head rounded its scores (autocast reached it)");
    }

    // QLoRA's base is a custom autograd Function, outside autocast's reach: under autocast it dequantizes
    // straight into bf16 and computes the product there, whatever the input's dtype; backward hands the
    // input a gradient in the input's dtype.
    void quantizedBaseComputesInBf16UnderAutocast() {
        auto gen = torch::make_generator<at::CPUGeneratorImpl>(9);
        const auto w = torch::randn({48, 64}, gen) * 0.05;
        const auto bias = torch::randn({48}, gen);
        for (const auto source : {torch::kFloat, torch::kBFloat16}) {
            const QuantizedTensor q = quantize_nf4(w.to(source), true);
            QVERIFY(q.dtype == source);  // QLoRA from a bf16 base remembers bf16
            auto x = torch::randn({3, 5, 64}, gen).requires_grad_(true);  // a float32 input (e.g. a trainable norm's)
            torch::Tensor y;
            {
                AutocastScope autocast(torch::kCPU, torch::kBFloat16);
                y = quantized_linear(x, q, bias);
            }
            QVERIFY(y.scalar_type() == torch::kBFloat16);
            const auto want = torch::nn::functional::linear(x.detach().to(torch::kBFloat16), q.dequantize(torch::kBFloat16),
                                                            bias.to(torch::kBFloat16));
            QVERIFY(torch::equal(y.detach(), want));
            y.to(torch::kFloat).sum().backward();
            QVERIFY(x.grad().scalar_type() == torch::kFloat);
            const auto grad_want = torch::ones({3, 5, 48}, torch::kBFloat16).matmul(q.dequantize(torch::kBFloat16));
            QVERIFY(torch::allclose(x.grad(), grad_want.to(torch::kFloat), 1e-2, 1e-2));
            // Outside autocast it computes in the input's dtype, as before.
            QVERIFY(quantized_linear(x.detach(), q, bias).scalar_type() == torch::kFloat);
        }
    }

    // bf16: true on a LoRA run: the base (and every other frozen weight) is held in bf16, the adapter in
    // float32; the AdamW state in the checkpoint and the saved adapter are float32; the log says so.
    void loraRunHoldsItsBaseInBf16() {
        TinyWorld w = make_tiny_world("precision-lora");
        TrainConfig c = tiny_run(w, w.root + "/run", "lora");
        c.bf16 = Toggle::On;
        c.save_steps = 3;
        Messages m;
        const TrainSummary s = run_collecting(c, m);
        QVERIFY2(s.status == TrainSummary::Status::Completed, s.message.c_str());
        QVERIFY(m.has_info("precision: bf16 (bf16: true); frozen base weights in bf16; LoRA weights, their gradients "
                           "and AdamW state in float32; matrix products in bf16 (autocast)"));
        bool warned = false;
        for (const auto& text : m.warnings) warned |= text.find("LibTorch emulates bf16") != std::string::npos;
        QCOMPARE(warned, !cpu_features().fast_bf16());  // warned exactly where bf16 is emulated
        const auto [trainable, all] = param_counts(m);
        QVERIFY(trainable > 0 && all > trainable);
        QCOMPARE(m.info_starting("weights held: "), "weights held: " + with_commas(trainable) + " float32 trainable; " +
                                                        with_commas(all - trainable) + " bf16 frozen");
        std::string bad;
        QVERIFY2(all_tensors_are(c.output_dir + "/checkpoint-3/optimizer.safetensors", "F32", &bad), bad.c_str());
        QVERIFY2(all_tensors_are(c.output_dir + "/adapter_model.safetensors", "F32", &bad), bad.c_str());
        QVERIFY(std::isfinite(s.train_loss));

        // QLoRA: quantized from the bf16 base; what is left dense (embeddings, norms) is bf16.
        TrainConfig q = tiny_run(w, w.root + "/qlora", "lora");
        q.bf16 = Toggle::On;
        q.quantization_bit = 4;
        Messages mq;
        const TrainSummary sq = run_collecting(q, mq);
        QVERIFY2(sq.status == TrainSummary::Status::Completed, sq.message.c_str());
        const std::string held = mq.info_starting("weights held: ");
        QVERIFY2(held.find(" float32 trainable; ") != std::string::npos && held.find(" bf16 frozen; ") != std::string::npos &&
                     held.find(" quantized frozen") != std::string::npos && held.find("float32 frozen") == std::string::npos,
                 held.c_str());
        QVERIFY2(all_tensors_are(q.output_dir + "/adapter_model.safetensors", "F32", &bad), bad.c_str());
    }

    // QLoRA of a bf16 checkpoint in a float32 run (bf16: false, or auto on a processor without AVX512-BF16):
    // the base loads in bf16 to be quantized, but its products compute in float32, as the run says. They
    // computed in bf16, which such a processor emulates about 30x slower (docs/benchmarks.md).
    void qloraOfABf16CheckpointComputesInTheRunsPrecision() {
        TinyWorld w = make_tiny_world("precision-qlora-f32");
        {
            CausalLM m = load_causal_lm(w.model_dir);
            save_causal_lm(*m, w.model_dir, torch::kBFloat16);
        }
        QCOMPARE(read_model_config(w.model_dir).torch_dtype, std::string("bfloat16"));
        for (const Toggle bf16 : {Toggle::Off, Toggle::On}) {
            const bool on = bf16 == Toggle::On;
            TrainConfig q = tiny_run(w, w.root + (on ? "/qlora-bf16" : "/qlora-f32"), "lora");
            q.bf16 = bf16;
            q.quantization_bit = 4;
            Messages m;
            const TrainSummary s = run_collecting(q, m);
            QVERIFY2(s.status == TrainSummary::Status::Completed, s.message.c_str());
            const std::string held = m.info_starting("weights held: ");
            const std::string want = on ? " quantized frozen (bf16 products)" : " quantized frozen (float32 products)";
            QVERIFY2(held.find(want) != std::string::npos, held.c_str());
        }
        // The model itself: after hold_weights a float32 precision dequantizes to float32.
        CausalLM m = load_causal_lm(w.model_dir, [] {
            LoadOptions o;
            o.dtype = torch::kBFloat16;
            return o;
        }());
        quantize_base_weights(*m, 4);
        const auto linears = named_linears(*m);
        QVERIFY(quantized_weight(*linears.front().second)->dtype == torch::kBFloat16);
        TrainConfig c = tiny_run(w, w.root + "/unused", "lora");
        hold_weights(*m, decide_precision(c, kCpu));
        for (const auto& [name, linear] : linears)
            if (const QuantizedTensor* q = quantized_weight(*linear)) QVERIFY2(q->dtype == torch::kFloat, name.c_str());
    }

    // Freeze under bf16: the frozen layers are held (and so saved) rounded to bf16, the trainable layer
    // keeps float32 values; the model is saved in float32, its training dtype.
    void freezeRunRoundsOnlyItsFrozenLayers() {
        TinyWorld w = make_tiny_world("precision-freeze");
        TrainConfig c = tiny_run(w, w.root + "/run", "freeze");
        c.bf16 = Toggle::On;
        c.freeze_trainable_layers = 1;  // of 2: layer 1 trains, layer 0, embeddings and the final norm do not
        Messages m;
        const TrainSummary s = run_collecting(c, m);
        QVERIFY2(s.status == TrainSummary::Status::Completed, s.message.c_str());
        const auto [trainable, all] = param_counts(m);
        QCOMPARE(m.info_starting("weights held: "), "weights held: " + with_commas(trainable) + " float32 trainable; " +
                                                        with_commas(all - trainable) + " bf16 frozen");
        const auto before = read_tensors(w.model_dir + "/model.safetensors");
        SafetensorsFile out(c.output_dir + "/model.safetensors");
        int rounded = 0, trained = 0;
        for (const auto& e : out.entries()) {
            QCOMPARE(std::string(dtype_name(e.dtype)), std::string("F32"));
            const auto t = out.tensor(e.name).to(torch::kFloat);
            if (e.name.rfind("model.layers.1.", 0) == 0) {
                trained += !exactly_bf16(t);  // AdamW's float32 updates leave bits below bf16's
            } else {
                const auto original = before.at(e.name).to(torch::kFloat);
                QVERIFY2(torch::equal(t, original.to(torch::kBFloat16).to(torch::kFloat)), e.name.c_str());
                ++rounded;
            }
        }
        QVERIFY(rounded > 0 && trained > 0);
    }

    // pure_bf16 on a full run: every weight and the AdamW state in bf16, no float32 copy; saved in bf16.
    // With LoRA too, as LLaMA-Factory allows it (the adapter then trains in bf16).
    void pureBf16HoldsEverythingInBf16() {
        TinyWorld w = make_tiny_world("precision-pure");
        TrainConfig c = tiny_run(w, w.root + "/full", "full");
        c.pure_bf16 = true;
        c.save_steps = 3;
        Messages m;
        const TrainSummary s = run_collecting(c, m);
        QVERIFY2(s.status == TrainSummary::Status::Completed, s.message.c_str());
        QVERIFY(m.has_info("precision: pure bf16 (pure_bf16: true); every weight, gradient and the AdamW state in bf16 "
                           "(no float32 copy)"));
        const auto [trainable, all] = param_counts(m);
        QCOMPARE(trainable, all);
        QCOMPARE(m.info_starting("weights held: "), "weights held: " + with_commas(all) + " bf16 trainable");
        std::string bad;
        QVERIFY2(all_tensors_are(c.output_dir + "/checkpoint-3/optimizer.safetensors", "BF16", &bad), bad.c_str());
        QVERIFY2(all_tensors_are(c.output_dir + "/model.safetensors", "BF16", &bad), bad.c_str());
        QCOMPARE(read_model_config(c.output_dir).torch_dtype, std::string("bfloat16"));
        // The weights moved: training in bf16 did something.
        QVERIFY(max_file_diff(w.model_dir + "/model.safetensors", c.output_dir + "/model.safetensors") > 0);

        TrainConfig l = tiny_run(w, w.root + "/lora", "lora");
        l.pure_bf16 = true;
        Messages ml;
        const TrainSummary sl = run_collecting(l, ml);
        QVERIFY2(sl.status == TrainSummary::Status::Completed, sl.message.c_str());
        const auto [lt, la] = param_counts(ml);
        QCOMPARE(ml.info_starting("weights held: "),
                 "weights held: " + with_commas(lt) + " bf16 trainable; " + with_commas(la - lt) + " bf16 frozen");
        QVERIFY2(all_tensors_are(l.output_dir + "/adapter_model.safetensors", "BF16", &bad), bad.c_str());
    }
};

LATHE_TEST(TestPrecision)
#include "test_precision.moc"
