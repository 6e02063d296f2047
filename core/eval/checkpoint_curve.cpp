#include "core/eval/checkpoint_curve.h"

#include "core/io/json_file.h"
#include "core/train/checkpoint.h"
#include "core/util/error.h"
#include "core/util/fs.h"
#include "core/util/messages.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>

namespace fs = std::filesystem;

namespace lathe {

namespace {

// A point's name for a checkpoint: its folder's name, "." for the run's final weights.
std::string point_name(const CurveCheckpoint& ck, const std::string& run_dir) {
    return ck.dir == run_dir ? "." : fs::path(ck.dir).filename().string();
}

bool holds_weights(const std::string& dir) {
    return file_exists(path_join(dir, "adapter_config.json")) || file_exists(path_join(dir, "config.json"));
}

// The step a finished run ended at (trainer_state.json's global_step); -1 when unknown.
int64_t final_step(const std::string& run_dir) {
    const std::string path = path_join(run_dir, "trainer_state.json");
    if (!file_exists(path)) return -1;
    try {
        const nlohmann::json j = read_json_file(path);
        if (j.contains("global_step") && j["global_step"].is_number_integer()) return j["global_step"].get<int64_t>();
    } catch (const Error&) {
    }
    return -1;
}

nlohmann::json to_json(const CheckpointCurve& curve) {
    nlohmann::json points = nlohmann::json::array();
    for (const auto& p : curve.points) {
        nlohmann::json results = nlohmann::json::object();
        for (const auto& [k, v] : p.results) results[k] = v;
        points.push_back({{"step", p.step}, {"checkpoint", p.checkpoint}, {"samples", p.samples}, {"results", results}});
    }
    return {{"settings", nlohmann::json::parse(curve.settings.empty() ? "{}" : curve.settings)},
            {"complete", curve.complete},
            {"points", points}};
}

}  // namespace

std::string checkpoint_curve_path(const std::string& run_dir) { return path_join(run_dir, "checkpoint_curve.json"); }

std::vector<CurveCheckpoint> curve_checkpoints(const std::string& run_dir) {
    std::vector<CurveCheckpoint> out;
    for (const std::string& dir : list_checkpoints(run_dir)) {
        if (!holds_weights(dir)) continue;  // a checkpoint of a stage whose weights are elsewhere
        const std::string name = fs::path(dir).filename().string();
        out.push_back({std::stoll(name.substr(std::string("checkpoint-").size())), dir});
    }
    const int64_t last = final_step(run_dir);
    if (last >= 0 && holds_weights(run_dir) &&
        std::none_of(out.begin(), out.end(), [&](const CurveCheckpoint& c) { return c.step == last; }))
        out.push_back({last, run_dir});
    std::sort(out.begin(), out.end(), [](const CurveCheckpoint& a, const CurveCheckpoint& b) { return a.step < b.step; });
    return out;
}

std::string curve_settings(const PredictConfig& c) {
    const nlohmann::json j = {
        {"model_name_or_path", c.model_name_or_path}, {"template", c.template_name},
        {"dataset_dir", c.dataset_dir},               {"eval_dataset", c.dataset},
        {"max_samples", c.max_samples},               {"cutoff_len", c.cutoff_len},
        {"max_new_tokens", c.max_new_tokens},         {"do_sample", c.do_sample},
        {"temperature", c.temperature},               {"top_p", c.top_p},
        {"top_k", c.top_k},                           {"repetition_penalty", c.repetition_penalty},
        {"seed", c.seed},                             {"weights", c.weights},
        {"judge", c.judge}};
    return j.dump();
}

bool read_checkpoint_curve(const std::string& run_dir, CheckpointCurve* out) {
    const std::string path = checkpoint_curve_path(run_dir);
    if (!file_exists(path)) return false;
    const nlohmann::json j = read_json_file(path);
    auto bad = [&](const std::string& id, std::vector<std::string> args = {}) {
        throw IoError(file_problem(path, 0, 0, id, std::move(args)));
    };
    if (!j.is_object() || !j.contains("points") || !j["points"].is_array()) bad("curve_no_points");
    CheckpointCurve curve;
    curve.settings = j.contains("settings") ? j["settings"].dump() : std::string("{}");
    curve.complete = j.value("complete", false);
    size_t index = 0;
    for (const auto& p : j["points"]) {
        const std::string where = "points[" + std::to_string(index++) + "]";
        if (!p.is_object() || !p.contains("step") || !p["step"].is_number_integer())
            bad("curve_point_no_step", {where});
        CurvePoint point;
        point.step = p["step"].get<int64_t>();
        point.checkpoint = p.value("checkpoint", std::string());
        point.samples = p.value("samples", int64_t{0});
        if (p.contains("results")) {
            if (!p["results"].is_object()) bad("curve_point_results", {where});
            for (const auto& [k, v] : p["results"].items())
                if (v.is_number()) point.results[k] = v.get<double>();
        }
        curve.points.push_back(std::move(point));
    }
    sort_by_step(curve.points);
    *out = std::move(curve);
    return true;
}

int best_point(const std::vector<CurvePoint>& points, const std::string& metric) {
    int best = -1;
    for (size_t i = 0; i < points.size(); ++i) {
        const auto it = points[i].results.find(metric);
        if (it == points[i].results.end()) continue;
        if (best < 0 || it->second > points[best].results.at(metric)) best = static_cast<int>(i);
    }
    return best;
}

void sort_by_step(std::vector<CurvePoint>& points) {
    std::sort(points.begin(), points.end(), [](const CurvePoint& a, const CurvePoint& b) { return a.step < b.step; });
}

CurveSummary run_checkpoint_curve(const PredictConfig& settings, const std::string& run_dir, const CurveEvents& events,
                                  const std::atomic<bool>* cancel) {
    CurveSummary summary;
    auto say = [&](const std::string& level, const Problem& line) {
        if (events.message) events.message(level, line);
    };
    try {
        if (!dir_exists(run_dir)) throw ConfigError(plain_problem("curve_not_a_folder", {run_dir}));
        const auto checkpoints = curve_checkpoints(run_dir);
        if (checkpoints.empty()) throw ModelError(plain_problem("curve_no_checkpoints", {run_dir}));
        summary.checkpoints = checkpoints.size();

        CheckpointCurve& curve = summary.curve;
        curve.settings = curve_settings(settings);
        CheckpointCurve earlier;
        bool have_earlier = false;
        try {
            have_earlier = read_checkpoint_curve(run_dir, &earlier);
        } catch (const Error& e) {
            say("warning", composed("curve_starts_over", {e.problem()}));
        }
        if (have_earlier && earlier.settings != curve.settings) {
            say("warning", note("curve_settings_differ", {checkpoint_curve_path(run_dir)}));
            have_earlier = false;
        }

        // Points already predicted with these settings are kept; the rest are predicted, oldest first.
        std::vector<CurveCheckpoint> todo;
        for (const auto& ck : checkpoints) {
            const std::string name = point_name(ck, run_dir);
            const CurvePoint* done = nullptr;
            if (have_earlier)
                for (const auto& p : earlier.points)
                    if (p.step == ck.step && p.checkpoint == name) done = &p;
            if (done) curve.points.push_back(*done);
            else todo.push_back(ck);
        }
        if (!curve.points.empty())
            say("info", note("curve_reloaded", {std::to_string(curve.points.size()), checkpoint_curve_path(run_dir)}));
        auto save = [&] {
            sort_by_step(curve.points);
            curve.complete = curve.points.size() == checkpoints.size();
            write_json_file(checkpoint_curve_path(run_dir), to_json(curve));
        };
        for (const auto& p : curve.points)
            if (events.on_point) events.on_point(p);

        for (size_t i = 0; i < todo.size(); ++i) {
            if (cancel && cancel->load()) break;
            const CurveCheckpoint& ck = todo[i];
            const std::string name = point_name(ck, run_dir);
            if (events.on_checkpoint) events.on_checkpoint(i, todo.size(), ck.step);
            say("info", note("curve_checkpoint", {std::to_string(ck.step), ck.dir}));

            PredictConfig c = settings;
            c.compare.clear();
            if (file_exists(path_join(ck.dir, "adapter_config.json"))) {
                c.adapter_name_or_path = ck.dir;  // a LoRA adapter on the base model
            } else {
                c.model_name_or_path = ck.dir;  // a whole model (full, freeze, a new model)
                c.adapter_name_or_path.clear();
            }
            c.output_dir = path_join(path_join(run_dir, "checkpoint_curve"), name == "." ? "final" : name);
            PredictEvents pe;
            pe.message = events.message;
            pe.on_progress = events.on_progress;
            const PredictSummary s = run_predict(c, pe, cancel);
            if (s.status == PredictSummary::Status::Failed) {
                // The prediction's own problem stays as data; the step and folder say which checkpoint.
                summary.status = PredictSummary::Status::Failed;
                summary.problem = s.problem;
                if (summary.problem.message.empty()) summary.problem.message = s.message;
                summary.failed_step = ck.step;
                summary.failed_checkpoint = ck.dir;
                summary.message = "checkpoint at step " + std::to_string(ck.step) + " (" + ck.dir + "): " + s.message;
                return summary;
            }
            if (s.status == PredictSummary::Status::Aborted) break;  // a partial point would mislead the curve
            CurvePoint point;
            point.step = ck.step;
            point.checkpoint = name;
            point.samples = s.samples;
            point.results = s.results;
            curve.points.push_back(point);
            ++summary.predicted;
            save();
            if (events.on_point) events.on_point(point);
        }
        if (summary.predicted == 0 && !curve.points.empty()) save();  // the complete flag of a fully reloaded curve
        const bool aborted = cancel && cancel->load() && curve.points.size() < checkpoints.size();
        summary.status = aborted ? PredictSummary::Status::Aborted : PredictSummary::Status::Completed;
        if (aborted)
            summary.message = "stopped with " + std::to_string(curve.points.size()) + " of " +
                              std::to_string(checkpoints.size()) +
                              " checkpoints evaluated; Start again with the same settings to evaluate the rest";
        return summary;
    } catch (const Error& e) {
        summary.status = PredictSummary::Status::Failed;
        summary.message = e.what();
        summary.problem = e.problem();
        return summary;
    } catch (const std::exception& e) {
        summary.status = PredictSummary::Status::Failed;
        summary.message = e.what();
        summary.problem.message = e.what();
        return summary;
    }
}

}  // namespace lathe
