#include "core/train/rng_state.h"

#include <ATen/CPUGeneratorImpl.h>

namespace lathe {

RngState RngState::capture(const c10::Device& d) {
    RngState s;
    s.cpu = at::detail::getDefaultCPUGenerator().get_state();
    s.where = d;
    if (!d.is_cpu()) s.device = at::globalContext().defaultGenerator(d).get_state();
    return s;
}

void RngState::restore() const {
    auto gen = at::detail::getDefaultCPUGenerator();
    gen.set_state(cpu);
    if (device.defined()) {
        auto dev = at::globalContext().defaultGenerator(where);
        dev.set_state(device);
    }
}

}  // namespace lathe
