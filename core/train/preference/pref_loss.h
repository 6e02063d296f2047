// What each preference loss (LLaMA-Factory's pref_loss) needs, in a header light enough for the studio.
#pragma once
#include <string>

namespace lathe {

// ORPO and SimPO are reference-free; sigmoid, hinge and IPO compare with a reference model. The one place
// that says so (needs_reference_model, DpoSettings and the studio's Train form ask it).
inline bool pref_loss_needs_reference(const std::string& pref_loss) { return pref_loss != "orpo" && pref_loss != "simpo"; }

}  // namespace lathe
