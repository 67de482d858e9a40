/**
 * Floating IP placement, pure: (groups, nodes, current assignment) -> which node holds each
 * floating IP and which node stands by to take it over, the moves against the current assignment,
 * and why an IP is unassigned.
 *
 * <p>{@link io.egressgw.placement.FloatingIpPlacement#plan} is the full, stateless plan, and what
 * production runs on every placement: {@link io.egressgw.placement.PlacementIndex} is the bitset
 * index behind it, from which the controller also reads each group's status.nodes. Inputs are plain
 * records ({@link io.egressgw.placement.PlacementNode}, {@link
 * io.egressgw.placement.PlacementGroup}); the controller adapts informer data into them. No
 * Kubernetes client, JAX-RS or jnr here.
 */
package io.egressgw.placement;
