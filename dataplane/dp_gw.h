/**
 * @file
 * The WebSocket gateway: the application wsgw runs on the dataplane.
 */
#ifndef DP_GW_H
#define DP_GW_H

#include "dp.h"

/**
 * The gateway's hooks, statistics and commands (dp_run's argument);
 * main sets drain_ms from gateway.shutdown_ms.
 */
extern struct dp_app dp_gw_app;

#endif /* DP_GW_H */
