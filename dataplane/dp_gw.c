/**
 * @file
 * The WebSocket gateway on the dataplane.
 */
#include "dp_gw.h"

const struct dp_app dp_gw_app = {
	.name = "wsgw",
};
