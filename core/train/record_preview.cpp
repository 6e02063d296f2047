#include "core/train/record_preview.h"

#include "core/data/dataset_loader.h"
#include "core/data/encode.h"
#include "core/data/template.h"
#include "core/model/config.h"
#include "core/model/model_folder.h"
#include "core/tokenizer/tokenizer.h"
#include "core/train/new_model.h"
#include "core/train/train_config.h"
#include "core/util/error.h"

namespace lathe {

struct DatasetPreview::Impl {
    TrainConfig config;
    std::vector<Sample> samples;
    std::unique_ptr<Tokenizer> tokenizer;  // null for a new model
    const ChatTemplate* tmpl = nullptr;
    std::string template_name;
    Problem summary;
};

namespace {

// Token pieces: each id's newly final text (special tokens written out) and whether it is trained.
std::vector<PreviewPiece> pieces_of(const Tokenizer& tok, const std::vector<int32_t>& ids,
                                    const std::vector<int32_t>& labels) {
    std::vector<PreviewPiece> out;
    StreamDecoder dec(tok, false);
    for (size_t i = 0; i < ids.size(); ++i)
        out.push_back({dec.push(ids[i]), i < labels.size() && labels[i] != kIgnoreIndex});
    if (!out.empty()) out.back().text += dec.flush();
    return out;
}

// Without a tokenizer: the rendered conversation cut at every message, assistant turns marked trained.
std::vector<PreviewPiece> text_spans(const Sample& s, const ChatTemplate& tmpl, const TrainConfig& c) {
    if (s.kind == SampleKind::Text) return {{s.text, true}};
    Conversation msgs = s.prompt;
    if (!s.response.empty()) msgs.push_back(s.response.front());
    std::vector<PreviewPiece> out;
    std::string prev;
    for (size_t k = 0; k < msgs.size(); ++k) {
        const Conversation head(msgs.begin(), msgs.begin() + static_cast<std::ptrdiff_t>(k) + 1);
        std::string text = tmpl.render(head, s.system);
        const bool assistant = msgs[k].role == Role::Assistant || msgs[k].role == Role::Function;
        const bool last = k + 1 == msgs.size();
        const bool trained = c.train_on_prompt || (assistant && (!c.mask_history || last));
        if (text.compare(0, prev.size(), prev) == 0) out.push_back({text.substr(prev.size()), trained});
        else out = {{text, false}};  // a template that rewrites earlier turns: show it whole
        prev = std::move(text);
    }
    return out;
}

void count(RecordPreview& r) {
    r.tokens = static_cast<int64_t>(r.pieces.size());
    r.trained_tokens = 0;
    for (const auto& p : r.pieces) r.trained_tokens += p.trained;
}

}  // namespace

DatasetPreview::DatasetPreview(const TrainConfig& config, size_t max_records) : impl_(std::make_unique<Impl>()) {
    impl_->config = config;
    const Stage stage = parse_stage(config.stage);
    DatasetLoadOptions o;
    o.max_samples = std::max<size_t>(1, max_records);
    o.skip_invalid = true;  // a preview shows what trains; the skipped ones are in the summary
    o.name = config.identity_name;
    o.author = config.identity_author;
    o.seed = static_cast<uint64_t>(config.seed);
    auto loaded = load_datasets(config.dataset_dir, config.dataset, stage, o);
    impl_->samples = std::move(loaded.samples);
    if (impl_->samples.size() > max_records) impl_->samples.resize(max_records);
    impl_->summary = loaded.report.note();

    std::string model_type = "llama";
    if (config.create_new_model.empty()) {
        impl_->tokenizer = Tokenizer::from_dir(config.model_name_or_path);
        model_type = read_model_config(config.model_name_or_path).model_type;
    }
    impl_->template_name = !config.template_name.empty() ? config.template_name
                           : impl_->tokenizer            ? pick_template(impl_->tokenizer.get(), model_type)
                                                         : std::string(kNewModelTemplate);
    impl_->tmpl = find_template(impl_->template_name);
}

DatasetPreview::~DatasetPreview() = default;
DatasetPreview::DatasetPreview(DatasetPreview&&) noexcept = default;
DatasetPreview& DatasetPreview::operator=(DatasetPreview&&) noexcept = default;

size_t DatasetPreview::size() const { return impl_->samples.size(); }
const std::string& DatasetPreview::template_name() const { return impl_->template_name; }
const Problem& DatasetPreview::summary() const { return impl_->summary; }

RecordPreview DatasetPreview::record(size_t index) const {
    const Sample& s = impl_->samples.at(index);
    const TrainConfig& c = impl_->config;
    RecordPreview r;
    r.source = s.source;
    try {
        if (!impl_->tokenizer) {
            r.pieces = text_spans(s, *impl_->tmpl, c);
            r.tokenized = false;
            count(r);
            r.tokens = r.trained_tokens = 0;  // no tokenizer: nothing to count yet
            return r;
        }
        const Tokenizer& tok = *impl_->tokenizer;
        EncodeOptions eo{c.cutoff_len, c.train_on_prompt, c.mask_history, false, c.enable_thinking};
        bool truncated = false;
        Example e;
        if (s.kind == SampleKind::Text) {
            EncodeReport rep;
            e = encode_samples({s}, *impl_->tmpl, tok, eo, &rep).at(0);
            truncated = rep.truncated > 0;
        } else if (s.kind == SampleKind::Preference) {
            e = encode_pairwise(s, *impl_->tmpl, tok, eo, &truncated);
        } else {
            e = encode_supervised(s, *impl_->tmpl, tok, eo, &truncated);
        }
        r.pieces = pieces_of(tok, e.input_ids, e.labels);
        if (e.is_pair()) {
            r.rejected_from = r.pieces.size();
            auto rejected = pieces_of(tok, e.rejected_ids, e.rejected_labels);
            r.pieces.insert(r.pieces.end(), rejected.begin(), rejected.end());
        }
        r.tokenized = true;
        r.truncated = truncated;
        count(r);
    } catch (const std::exception& ex) {
        r.error = ex.what();
    }
    return r;
}

}  // namespace lathe
