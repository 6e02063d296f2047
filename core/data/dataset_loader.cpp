#include "core/data/dataset_loader.h"

#include "core/data/converters.h"
#include "core/data/dataset_split.h"
#include "core/data/file_readers.h"
#include "core/util/error.h"
#include "core/util/fs.h"
#include "core/util/messages.h"
#include "core/util/strings.h"
#include "core/util/cancel.h"

#include <cstdint>
#include <filesystem>

namespace lathe {

namespace {

// A dataset resolved and checked before any record is read.
struct Plan {
    DatasetEntry entry;  // a copy: plain-text files get their column remapped
    std::string path;
    DataFiles files;
};

Plan plan_dataset(const DatasetRegistry& reg, const std::string& name, Stage stage) {
    const DatasetEntry& entry = reg.get(name);
    if (!entry.is_local())
        throw DataError(plain_problem("dataset_remote_only", {name, reg.path(), entry.remote, reg.dir()}));
    // Registry problems first: they need no I/O and are what the user must fix.
    if (Problem why = stage_mismatch(entry, stage); !why.id.empty()) throw DataError(std::move(why));
    if (Problem why = missing_columns(entry, stage); !why.id.empty())
        throw DataError(composed("dataset_columns", {verbatim(name), verbatim(reg.path()), std::move(why)}));
    Plan p{entry, path_join(reg.dir(), entry.file_name), {}};
    std::error_code ec;
    if (!std::filesystem::exists(p.path, ec))
        throw DataError(file_problem(p.path, 0, 0, "dataset_file_missing", {name, reg.path(), entry.file_name}));
    p.files = list_data_files(p.path);
    if (p.files.type == FileType::Txt) {
        // A line of text is a document and nothing else: only pre-training can use it.
        if (stage != Stage::Pt)
            throw DataError(file_problem(p.path, 0, 0, "dataset_text_not_pt", {name, stage_name(stage)}));
        p.entry.formatting = DatasetFormat::Alpaca;
        p.entry.columns = DatasetColumns{};
        p.entry.columns.prompt = "text";
        p.entry.columns.query.clear();
    }
    return p;
}

// The record's file relative to dataset_dir, for Sample::source.
std::string relative_source(const Plan& p, const std::string& file) {
    if (p.files.paths.size() == 1 && file == p.path) return p.entry.file_name;
    namespace fs = std::filesystem;
    return (fs::path(p.entry.file_name) / fs::path(file).filename()).lexically_normal().string();
}

void load_one(const Plan& p, Stage stage, const DatasetLoadOptions& opt, std::vector<Sample>& out, DatasetReport& rep) {
    std::vector<Sample> kept;
    const bool resample = p.entry.num_samples.has_value();
    const size_t cap = opt.max_samples && !resample ? *opt.max_samples : SIZE_MAX;
    for (const std::string& file : p.files.paths) {
        const std::string rel = relative_source(p, file);
        read_records(file, p.files.type, [&](RawRecord& r) {
            throw_if_cancelled();
            ++rep.records_read;
            try {
                if (r.failed()) throw DataError(r.problem);
                Sample s = convert_record(r.value, p.entry, stage, record_location(file, r));
                s.source = rel + "#" + std::to_string(r.index);
                fill_placeholders(s, opt.name, opt.author);
                kept.push_back(std::move(s));
            } catch (const DataError& e) {
                // The place as data, for the studio: the file, the record (the caller knows the key).
                Problem where = e.problem();
                where.file = file;
                where.record = static_cast<int64_t>(r.index);
                where.line = static_cast<int64_t>(r.line);
                if (!opt.skip_invalid) throw DataError(std::move(where));
                if (rep.skip_reasons.size() < DatasetReport::kMaxReasons) rep.skip_reasons.push_back(std::move(where));
                ++rep.skipped;
            }
            return kept.size() < cap;
        });
        if (kept.size() >= cap) break;
    }
    if (rep.records_read == 0) throw DataError(file_problem(p.path, 0, 0, "dataset_no_records", {p.entry.name}));
    if (kept.empty())
        throw DataError(file_problem(p.path, 0, 0, "dataset_all_skipped",
                                     {p.entry.name, std::to_string(rep.records_read), rep.skip_reasons.front().message}));
    if (resample) {
        std::vector<Sample> picked;
        for (size_t i : seeded_sample_indices(kept.size(), *p.entry.num_samples, opt.seed)) picked.push_back(kept[i]);
        kept = std::move(picked);
    }
    if (opt.max_samples && kept.size() > *opt.max_samples) kept.resize(*opt.max_samples);
    rep.kept = kept.size();
    out.insert(out.end(), std::make_move_iterator(kept.begin()), std::make_move_iterator(kept.end()));
}

}  // namespace

size_t DatasetLoadReport::total_kept() const {
    size_t n = 0;
    for (const auto& d : datasets) n += d.kept;
    return n;
}

size_t DatasetLoadReport::total_skipped() const {
    size_t n = 0;
    for (const auto& d : datasets) n += d.skipped;
    return n;
}

Problem DatasetLoadReport::note() const {
    std::vector<Problem> lines;
    for (const auto& d : datasets) {
        lines.push_back(lathe::note("dataset_read", {d.name, std::to_string(d.records_read), std::to_string(d.kept),
                                                     std::to_string(d.skipped), d.path}));
        for (const Problem& why : d.skip_reasons) lines.push_back(composed("dataset_skipped_record", {why}));
        if (d.skipped > d.skip_reasons.size())
            lines.push_back(lathe::note("dataset_skipped_more", {std::to_string(d.skipped - d.skip_reasons.size())}));
    }
    return joined_lines(std::move(lines));
}

std::string DatasetLoadReport::summary() const { return note().message; }

LoadedDatasets load_datasets(const DatasetRegistry& reg, const std::vector<std::string>& names, Stage stage,
                             const DatasetLoadOptions& opt) {
    if (opt.max_samples && *opt.max_samples == 0) throw ConfigError(plain_problem("max_samples_at_least_one"));
    if (names.empty()) throw DataError(plain_problem("no_dataset_named", {reg.path()}));
    std::vector<Plan> plans;
    for (const auto& name : names) plans.push_back(plan_dataset(reg, name, stage));
    LoadedDatasets out;
    for (const Plan& p : plans) {
        DatasetReport rep;
        rep.name = p.entry.name;
        rep.path = p.path;
        load_one(p, stage, opt, out.samples, rep);
        out.report.datasets.push_back(std::move(rep));
    }
    return out;
}

LoadedDatasets load_datasets(const std::string& dataset_dir, const std::string& names, Stage stage,
                             const DatasetLoadOptions& options) {
    return load_datasets(DatasetRegistry::load(dataset_dir), split_list(names), stage, options);
}

}  // namespace lathe
