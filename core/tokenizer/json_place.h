// Problems inside a tokenizer.json, as data: the parsers name a place as "FILE: json.path" (HfTokenizer
// builds it from the file's path and hands it down, adding ".normalizers[1]" and the like).
#pragma once
#include "core/util/messages.h"

#include <string>
#include <vector>

namespace lathe {

// Problem `id` at `where` ("FILE: json.path"): placed at FILE, the JSON path as the first argument (the
// forms start "{0}: "), so the English message is "FILE: json.path: ..." as the parsers always wrote it.
inline Problem tokenizer_json_problem(const std::string& where, const std::string& id, std::vector<std::string> args) {
    const size_t colon = where.rfind(": ");
    if (colon == std::string::npos) {
        args.insert(args.begin(), where);
        return plain_problem(id, std::move(args));
    }
    args.insert(args.begin(), where.substr(colon + 2));
    return file_problem(where.substr(0, colon), 0, 0, id, std::move(args));
}

// A value of the wrong JSON type or a missing key at `where`, from nlohmann's exception (its id and
// what()), as data: type_error 302 ("type must be string, but is number") and out_of_range 403 ("key
// 'id' not found"); any other keeps nlohmann's text as the argument.
inline Problem tokenizer_json_exception_problem(const std::string& where, int id, const std::string& what) {
    const size_t start = what.find("] ");
    const std::string text = start == std::string::npos ? what : what.substr(start + 2);
    // The text between `before` and `after` in `text` ("" when they are not there).
    const auto between = [&](const std::string& before, const std::string& after) -> std::string {
        const size_t b = text.find(before);
        if (b == std::string::npos) return "";
        const size_t e = text.find(after, b + before.size());
        return e == std::string::npos ? "" : text.substr(b + before.size(), e - b - before.size());
    };
    if (id == 302) {
        const std::string expected = between("type must be ", ", but is ");
        const size_t is = text.find(", but is ");
        if (!expected.empty() && is != std::string::npos)
            return tokenizer_json_problem(where, "tokenizer_json_value_type", {expected, text.substr(is + 9)});
    }
    if (id == 403) {
        const std::string key = between("key '", "' not found");
        if (!key.empty()) return tokenizer_json_problem(where, "tokenizer_json_missing_key", {key});
    }
    return tokenizer_json_problem(where, "tokenizer_json_invalid_value", {text});
}

}  // namespace lathe
