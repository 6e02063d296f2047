// Hugging Face export: merged weights read back by Lathe give the logits of base + adapters; dtypes,
// sharding, config, generation config, tokenizer config with the chat template, and the model card.
#include "tests/core/export/export_fixtures.h"

#include "core/data/template.h"
#include "core/io/safetensors.h"
#include "core/tokenizer/tokenizer.h"

#include <QtTest>

using namespace lathe;
using namespace lathe::test;
using json = nlohmann::json;

class TestExportHf : public QObject {
    Q_OBJECT
    std::string root, model, adapter1, adapter2;
    torch::Tensor reference;  // logits of base + adapter1 + adapter2, merged in that order

private slots:
    void initTestCase() {
        root = scratch_dir() + "/export-hf";
        model = root + "/base", adapter1 = root + "/lora1", adapter2 = root + "/lora2";
        make_model_dir(model, export_tiny_config());
        make_adapter(model, adapter1, 5);
        make_adapter(model, adapter2, 6);
        write_file_atomic(adapter2 + "/training_args.yaml",
                          "model_name_or_path: " + model + "\nstage: sft\nfinetuning_type: lora\ndataset: alpaca_en_demo,identity\n");
        CausalLM m = load_causal_lm(model);
        merge_lora_adapters(m.ptr(), {adapter1, adapter2});
        reference = logits_of(*m);
        CausalLM base = load_causal_lm(model);
        QVERIFY((logits_of(*base) - reference).abs().max().item<double>() > 1e-2);  // the adapters matter
    }

    void fp32ExportGivesTheLogitsOfBasePlusAdapters() {
        ExportConfig c;
        c.model_name_or_path = model;
        c.adapter_name_or_path = adapter1 + ", " + adapter2;
        c.export_dir = root + "/out-f32";
        c.export_quantization = "f32";
        std::vector<double> fractions;
        ExportEvents ev;
        ev.on_progress = [&](double f, const Problem&) { fractions.push_back(f); };
        const ExportSummary s = run_export(c, ev);
        QVERIFY2(s.status == ExportSummary::Status::Completed, s.message.c_str());
        QVERIFY(fractions.size() > 3);
        QVERIFY(std::is_sorted(fractions.begin(), fractions.end()));
        QCOMPARE(fractions.back(), 1.0);
        CausalLM back = load_causal_lm(c.export_dir);
        const double diff = (logits_of(*back) - reference).abs().max().item<double>();
        qInfo("fp32 export: max |logit difference| %.3g", diff);
        QVERIFY2(diff < 1e-4, qPrintable(QString::number(diff)));
        QCOMPARE(read_model_config(c.export_dir).torch_dtype, std::string("float32"));
        uint64_t total = 0;
        for (const ExportFile& f : s.files) total += f.bytes;
        QCOMPARE(total, s.total_bytes);
        QVERIFY(leftovers(root).empty());
    }

    void halfPrecisionsStayWithinTheirPrecision() {
        for (const std::string q : {"f16", "bf16"}) {
            ExportConfig c;
            c.model_name_or_path = model;
            c.adapter_name_or_path = adapter1 + "," + adapter2;
            c.export_dir = root + "/out-" + q;
            c.export_quantization = q;
            const ExportSummary s = run_export(c);
            QVERIFY2(s.status == ExportSummary::Status::Completed, s.message.c_str());
            SafetensorsFile f(c.export_dir + "/model.safetensors");
            QCOMPARE(std::string(dtype_name(f.find("model.embed_tokens.weight")->dtype)), std::string(q == "f16" ? "F16" : "BF16"));
            CausalLM back = load_causal_lm(c.export_dir);
            const double diff = (logits_of(*back) - reference).abs().max().item<double>();
            const double scale = reference.abs().max().item<double>();
            // Rounding every weight to 11 (fp16) or 8 (bf16) significant bits.
            const double bound = (q == "f16" ? 4e-3 : 3e-2) * scale;
            qInfo("%s export: max |logit difference| %.3g (largest logit %.3g)", q.c_str(), diff, scale);
            QVERIFY2(diff < bound, qPrintable(QString("%1 >= %2").arg(diff).arg(bound)));
            QCOMPARE(read_model_config(c.export_dir).torch_dtype, std::string(q == "f16" ? "float16" : "bfloat16"));
        }
    }

    void shardingWritesAnIndex() {
        ExportConfig c;
        c.model_name_or_path = model;
        c.export_dir = root + "/out-sharded";
        c.export_quantization = "f32";
        c.export_size = "100KB";  // every tensor fits: no shard holds more than the limit
        const ExportEstimate e = estimate_export(c);
        const ExportSummary s = run_export(c);
        QVERIFY2(s.status == ExportSummary::Status::Completed, s.message.c_str());
        const json index = read_json_file(c.export_dir + "/model.safetensors.index.json");
        std::set<std::string> shards;
        for (auto it = index["weight_map"].begin(); it != index["weight_map"].end(); ++it) shards.insert(it.value());
        QVERIFY(shards.size() > 2);
        for (const std::string& shard : shards) {
            QVERIFY(file_exists(c.export_dir + "/" + shard));
            QVERIFY(std::filesystem::file_size(c.export_dir + "/" + shard) < 100'000 + 4'000);
        }
        size_t estimated_shards = 0;
        for (const ExportFile& f : e.files) estimated_shards += f.name.find("-of-") != std::string::npos;
        QCOMPARE(estimated_shards, shards.size());
        CausalLM back = load_causal_lm(c.export_dir), base = load_causal_lm(model);
        QCOMPARE((logits_of(*back) - logits_of(*base)).abs().max().item<double>(), 0.0);
    }

    void configsCarryTheTemplateAndStopIds() {
        ExportConfig c;
        c.model_name_or_path = model;
        c.adapter_name_or_path = adapter1 + "," + adapter2;
        c.export_dir = root + "/out-chatml";
        c.template_name = "chatml";
        const ExportSummary s = run_export(c);
        QVERIFY2(s.status == ExportSummary::Status::Completed, s.message.c_str());
        QCOMPARE(s.template_name, std::string("chatml"));
        auto tok = Tokenizer::from_dir(c.export_dir);
        const int32_t im_end = tok->token_to_id("<|im_end|>");
        QVERIFY(im_end >= 0);
        // LLaMA-Factory's replace_eos: the end-of-turn token becomes the EOS.
        const json tc = read_json_file(c.export_dir + "/tokenizer_config.json");
        QCOMPARE(tc["eos_token"].get<std::string>(), std::string("<|im_end|>"));
        QVERIFY(has(tc["chat_template"].get<std::string>(), "<|im_start|>"));
        QCOMPARE(tok->chat_template(), tc["chat_template"].get<std::string>());
        QCOMPARE(pick_template(tok.get(), "llama"), std::string("chatml"));  // the export is recognised as chatml
        const json gc = read_json_file(c.export_dir + "/generation_config.json");
        const auto eos = gc["eos_token_id"].get<std::vector<int32_t>>();
        QCOMPARE(eos.front(), im_end);
        QVERIFY(std::find(eos.begin(), eos.end(), 2) != eos.end());                                   // </s>
        QVERIFY(std::find(eos.begin(), eos.end(), tok->token_to_id("<|im_start|>")) != eos.end());  // a stop word
        QCOMPARE(gc["bos_token_id"].get<int>(), 1);
        QVERIFY(file_exists(c.export_dir + "/tokenizer.model"));
        const std::string card = read_file(c.export_dir + "/README.md");
        for (const std::string& part : {model, adapter1, adapter2, std::string("alpaca_en_demo,identity"), std::string("chatml"),
                                        std::string("LoRA r=4 alpha=8"), std::string("base_model: ") + model})
            QVERIFY2(has(card, part), part.c_str());
    }

    void estimateMatchesTheWrittenSizes() {
        ExportConfig c;
        c.model_name_or_path = model;
        c.export_dir = root + "/out-estimate";
        c.export_quantization = "bf16";
        const ExportEstimate e = estimate_export(c);
        QVERIFY(e.available_bytes > 0);
        const ExportSummary s = run_export(c);
        QVERIFY2(s.status == ExportSummary::Status::Completed, s.message.c_str());
        uint64_t est_weights = 0, real_weights = 0;
        for (const ExportFile& f : e.files) est_weights += f.name == "model.safetensors" ? f.bytes : 0;
        for (const ExportFile& f : s.files) real_weights += f.name == "model.safetensors" ? f.bytes : 0;
        qInfo("weights: estimated %llu bytes, written %llu", (unsigned long long)est_weights, (unsigned long long)real_weights);
        QVERIFY(std::abs(double(est_weights) - double(real_weights)) < 0.05 * double(real_weights));
    }
};

LATHE_TEST(TestExportHf)
#include "test_export_hf.moc"
