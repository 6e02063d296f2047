// Conversations through every built-in chat template: roles and contents from the bytes (a byte picks
// the template, then each message is a role byte and text up to the next 0x1e), rendered as text and
// encoded for training and for generation with a real tokenizer (LATHE_FUZZ_TOKENIZER, a model folder;
// by default ../shared/tokenizers/qwen3 next to the checkout).
#include "core/data/message.h"
#include "core/data/template.h"
#include "core/tokenizer/tokenizer.h"
#include "tests/fuzz/fuzz_util.h"

#include <memory>
#include <vector>

namespace {

const lathe::Tokenizer* tokenizer() {
    static const std::unique_ptr<lathe::Tokenizer> tok = [] {
        const char* dir = std::getenv("LATHE_FUZZ_TOKENIZER");
        return lathe::Tokenizer::from_dir(dir ? dir : LATHE_FUZZ_SOURCE_ROOT "/../shared/tokenizers/qwen3");
    }();
    return tok.get();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 2) return 0;
    const auto& templates = lathe::builtin_templates();
    const lathe::ChatTemplate& t = templates[data[0] % templates.size()];
    static const lathe::Role roles[] = {lathe::Role::System, lathe::Role::User, lathe::Role::Assistant,
                                        lathe::Role::Observation, lathe::Role::Function};
    std::vector<lathe::Message> messages;
    size_t i = 1;
    while (i < size) {
        lathe::Message m;
        m.role = roles[data[i++] % 5];
        while (i < size && data[i] != 0x1e) m.content.push_back(static_cast<char>(data[i++]));
        ++i;
        messages.push_back(std::move(m));
    }
    const lathe::Tokenizer* tok = tokenizer();
    lathe::fuzz::expect_clean("render", [&] { (void)t.render(messages, "system text", tok); });
    lathe::fuzz::expect_clean("encode_multiturn", [&] { (void)t.encode_multiturn(*tok, messages, "system text"); });
    lathe::fuzz::expect_clean("encode_generation", [&] { (void)t.encode_generation(*tok, messages); });
    return 0;
}
