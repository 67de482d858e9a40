package io.egressgw.rest;

/** Request bodies for the REST tests, as a client would write them. */
final class ApiJson {
  private ApiJson() {}

  static String group(String name, String... ips) {
    StringBuilder list = new StringBuilder();
    for (String ip : ips) {
      list.append(list.length() == 0 ? "" : ",").append('"').append(ip).append('"');
    }
    return "{\"apiVersion\":\"networking.gke.io/v1\",\"kind\":\"NetworkGatewayGroup\",\"metadata\":{\"name\":\""
        + name
        + "\"},\"spec\":{\"floatingIPs\":["
        + list
        + "]}}";
  }

  static String policy(String name, String gatewayNamespace, String gatewayName, String cidr) {
    return "{\"apiVersion\":\"networking.gke.io/v1\",\"kind\":\"EgressNATPolicy\",\"metadata\":{\"name\":\""
        + name
        + "\"},\"spec\":{\"sources\":[{\"namespaceSelector\":{\"matchLabels\":{\"user\":\"alice\"}},"
        + "\"podSelector\":{\"matchLabels\":{\"role\":\"frontend\"}}}],\"action\":\"SNAT\","
        + "\"destinations\":[{\"cidr\":\""
        + cidr
        + "\"}],"
        + "\"gatewayRef\":{\"name\":\""
        + gatewayName
        + "\",\"namespace\":\""
        + gatewayNamespace
        + "\"}}}";
  }
}
