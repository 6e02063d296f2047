// Stop strings on streamed text: holds back text that could be the start of a stop string and cuts the
// text at the first complete one (generate(), generate_batch() and the serving scheduler share it).
#pragma once
#include <algorithm>
#include <string>
#include <utility>
#include <vector>

namespace lathe {

// Holds back streamed text that could be the start of a stop string, and cuts the text at the first
// complete stop string.
class StopStringFilter {
public:
    explicit StopStringFilter(const std::vector<std::string>& stops) : stops_(stops) {}

    // Appends `piece`; returns the text that is now safe to show. Sets stopped() when a stop string
    // appeared (the text before it is returned, the stop string never is).
    std::string feed(const std::string& piece) {
        pending_ += piece;
        // The earliest stop string, not the first listed: one piece can complete two ("bc" and "abc").
        size_t cut = std::string::npos;
        for (const auto& s : stops_)
            if (!s.empty()) cut = std::min(cut, pending_.find(s));
        if (cut != std::string::npos) {
            stopped_ = true;
            std::string out = pending_.substr(0, cut);
            pending_.clear();
            return out;
        }
        size_t hold = 0;  // longest suffix of pending_ that is a proper prefix of a stop string
        for (const auto& s : stops_) {
            if (s.empty()) continue;
            for (size_t n = std::min(s.size() - 1, pending_.size()); n > hold; --n) {
                if (pending_.compare(pending_.size() - n, n, s, 0, n) == 0) {
                    hold = n;
                    break;
                }
            }
        }
        std::string out = pending_.substr(0, pending_.size() - hold);
        pending_.erase(0, pending_.size() - hold);
        return out;
    }
    std::string flush() { return std::exchange(pending_, std::string()); }
    bool stopped() const { return stopped_; }

private:
    std::vector<std::string> stops_;
    std::string pending_;
    bool stopped_ = false;
};

}  // namespace lathe
