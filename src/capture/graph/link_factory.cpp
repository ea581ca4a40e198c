#include "capture/graph/link_factory.hpp"

namespace zc::capture {

pw::ProxyPtr create_link(pw_core* core, const LinkPair& pair) {
  pw::PropertiesPtr props(pw_properties_new(nullptr, nullptr));
  if (!props) return nullptr;
  pw_properties_setf(props.get(), PW_KEY_LINK_OUTPUT_NODE, "%u", pair.output_node);
  pw_properties_setf(props.get(), PW_KEY_LINK_OUTPUT_PORT, "%u", pair.output_port);
  pw_properties_setf(props.get(), PW_KEY_LINK_INPUT_NODE, "%u", pair.input_node);
  pw_properties_setf(props.get(), PW_KEY_LINK_INPUT_PORT, "%u", pair.input_port);
  return pw::ProxyPtr(static_cast<pw_proxy*>(
      pw_core_create_object(core, "link-factory", PW_TYPE_INTERFACE_Link, PW_VERSION_LINK, &props->dict, 0)));
}

}  // namespace zc::capture
