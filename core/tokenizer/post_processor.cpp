#include "core/tokenizer/post_processor.h"

#include "core/tokenizer/json_place.h"
#include "core/util/error.h"

#include <nlohmann/json.hpp>

namespace lathe {

namespace {

using json = nlohmann::json;

// TemplateProcessing "single": [{"SpecialToken": {"id": "<s>"}}, {"Sequence": {"id": "A"}}, ...].
SpecialTemplate from_template(const json& j, const std::string& where) {
    SpecialTemplate t;
    bool seen_sequence = false;
    const json& specials = j.contains("special_tokens") ? j.at("special_tokens") : json::object();
    for (const json& item : j.at("single")) {
        if (item.contains("Sequence")) {
            seen_sequence = true;
            continue;
        }
        const std::string name = item.at("SpecialToken").at("id").get<std::string>();
        if (!specials.contains(name))
            throw TokenizerError(tokenizer_json_problem(where + ".single", "tokenizer_json_special_missing", {name}));
        auto& side = seen_sequence ? t.suffix : t.prefix;
        for (const json& id : specials.at(name).at("ids")) side.push_back(id.get<int32_t>());
    }
    return t;
}

// BertProcessing / RobertaProcessing: "cls": ["[CLS]", 101], "sep": ["[SEP]", 102].
SpecialTemplate from_cls_sep(const json& j) {
    return SpecialTemplate{{j.at("cls").at(1).get<int32_t>()}, {j.at("sep").at(1).get<int32_t>()}};
}

}  // namespace

SpecialTemplate special_template_from_json(const json& j, const std::string& where) {
    if (j.is_null()) return {};
    const std::string type = j.value("type", "");
    try {
        if (type == "TemplateProcessing") return from_template(j, where);
        if (type == "BertProcessing" || type == "RobertaProcessing") return from_cls_sep(j);
        if (type == "ByteLevel") return {};  // only trims offsets
        if (type == "Sequence") {
            // Each processor wraps what the previous ones produced.
            SpecialTemplate all;
            const json& list = j.at("processors");
            for (size_t i = 0; i < list.size(); ++i) {
                SpecialTemplate t = special_template_from_json(list[i], where + ".processors[" + std::to_string(i) + "]");
                all.prefix.insert(all.prefix.begin(), t.prefix.begin(), t.prefix.end());
                all.suffix.insert(all.suffix.end(), t.suffix.begin(), t.suffix.end());
            }
            return all;
        }
    } catch (const json::exception& e) {
        throw TokenizerError(tokenizer_json_exception_problem(where + " (" + type + ")", e.id, e.what()));
    }
    throw TokenizerError(tokenizer_json_problem(where, "tokenizer_json_post_processor_type", {type}));
}

}  // namespace lathe
