package io.egressgw.agent;

import static io.egressgw.netns.NetnsLab.EXT_IP;
import static io.egressgw.netns.NetnsLab.nodeIp;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.egressgw.netns.AgentProcess;
import io.egressgw.netns.NetnsLab;
import io.egressgw.netns.NetnsLab.Pod;
import io.egressgw.netns.RootRequirement;
import io.egressgw.netns.Sh;
import io.egressgw.program.NodeProgram;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Connections that survive the holder's death (issue 13): pod A on node 1 keeps 20 TCP connections
 * and 3 UDP flows open through the holder, node 2, whose agent replicates the conntrack entries of
 * its SNATed flows to the standby, node 3. Node 2 dies (agent killed, link cut) and node 3 takes
 * the IP over. The outside server sees every flow keep its source address and port, no connection
 * is reset, and every flow answers again after the move. The controller's relay is stood in for by
 * the test, which carries the primary's batches to the standby's agent.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConntrackReplicationE2E {
  static final int EGRESS_ID = 13;
  static final String FLOATING_IP = "10.77.0.100";
  static final int TCP_PORT = 7792;
  static final int UDP_PORT = 7791;
  static final int TCP_FLOWS = 20;
  static final int UDP_FLOWS = 3;
  static final ObjectMapper JSON = new ObjectMapper();

  NetnsLab lab;
  Pod podA;
  final AgentProcess[] agents = new AgentProcess[4];
  Path logDir;

  @BeforeAll
  void setUp() throws Exception {
    RootRequirement.check();
    lab = NetnsLab.start(3);
    podA = lab.addPod(1, "pa");
    logDir = Files.createDirectories(Path.of("target", "e2e-logs", lab.runId()));
    for (int n = 1; n <= 3; n++) {
      agents[n] =
          AgentProcess.start(
              lab,
              lab.node(n),
              lab.pinDir(n),
              logDir.resolve("agent-n" + n + ".log"),
              List.of("--replicate"));
    }
  }

  @AfterAll
  void tearDown() {
    for (AgentProcess a : agents) {
      if (a != null) {
        a.kill();
      }
    }
    if (lab != null) {
      lab.close();
    }
  }

  NodeProgram program(int n, int gateway, long generation) {
    return new NodeProgram(
        "node" + n,
        generation,
        Map.of(podA.ip(), 1),
        Map.of(1, List.of(new NodeProgram.Route("203.0.113.0/24", EGRESS_ID))),
        Map.of(
            EGRESS_ID,
            new NodeProgram.Egress(
                EGRESS_ID, "partner", FLOATING_IP, "node" + gateway, nodeIp(gateway))),
        n == gateway ? List.of(FLOATING_IP) : List.of(),
        List.of("203.0.113.0/24"));
  }

  @Test
  void everyFlowKeepsItsSourceAddressAndPortWhenTheHolderDies() throws Exception {
    agents[2].apply(program(2, 2, 2));
    agents[1].apply(program(1, 2, 2));
    agents[3].apply(program(3, 2, 2));
    agents[3].standby(FLOATING_IP);
    Path serverLog = logDir.resolve("server.log");
    lab.startProcess(lab.ext(), "python3", "-c", server(serverLog));
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                Sh.run(
                        5,
                        Sh.inNetns(lab.ext(), "sh", "-c", "ss -ltn | grep -q ':" + TCP_PORT + " '"))
                    .ok());
    // the controller's relay, stood in for: the primary's batches go to the standby's agent
    List<Long> lags = java.util.Collections.synchronizedList(new ArrayList<>());
    AgentProcess primary = agents[2];
    Thread relay =
        new Thread(
            () -> {
              while (!Thread.currentThread().isInterrupted()) {
                JsonNode batch = primary.nextReplication(1);
                if (batch != null) {
                  lags.add(agents[3].install(batch).path("lagMillis").asLong());
                }
              }
            },
            "relay");
    relay.setDaemon(true);
    relay.start();

    Process client =
        new ProcessBuilder(Sh.inNetns(podA.netns(), "python3", "-c", client(10)))
            .redirectErrorStream(true)
            .start();
    lab.track(client);
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> agents[3].replication().path("replicated").asInt() >= TCP_FLOWS + UDP_FLOWS);
    Thread.sleep(1000);

    // node 2 dies: agent killed, link cut; the controller moves the IP to its standby
    long killedAt = System.nanoTime();
    agents[2].kill();
    agents[2] = null;
    Sh.mustIn(lab.sw(), "ip", "link", "set", "n2", "down");
    agents[3].apply(program(3, 3, 3));
    agents[1].apply(program(1, 3, 3));
    long movedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt);

    assertTrue(client.waitFor(30, TimeUnit.SECONDS), "client finished");
    relay.interrupt();
    String out = new String(client.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    JsonNode summary = JSON.readTree(out.lines().reduce((a, b) -> b).orElse("{}"));
    String seen = Files.readString(serverLog);
    System.out.println(
        "replication: lags(ms)="
            + lags
            + " moved after "
            + movedMillis
            + " ms; client "
            + summary
            + "\nserver:\n"
            + seen);

    // the outside world: one source address and port per flow, the floating IP's
    Map<String, Set<String>> sourcesByFlow = new HashMap<>();
    for (String line : seen.lines().toList()) {
      String[] f = line.split(" ");
      if (f[0].equals("udp") || f[0].equals("tcp")) {
        sourcesByFlow.computeIfAbsent(f[0] + f[1], k -> new HashSet<>()).add(f[2]);
      }
      assertTrue(!f[0].equals("reset"), "the server saw a reset: " + line);
    }
    assertEquals(TCP_FLOWS + UDP_FLOWS, sourcesByFlow.size(), sourcesByFlow.toString());
    sourcesByFlow.forEach(
        (flow, sources) -> {
          assertEquals(1, sources.size(), flow + " was seen from " + sources);
          assertTrue(sources.iterator().next().startsWith(FLOATING_IP + ":"), flow + " " + sources);
        });
    // the client: no reset, and every flow answered again after the move
    for (JsonNode flow : summary.path("flows")) {
      assertEquals("", flow.path("error").asText(), flow.toString());
      assertTrue(flow.path("answeredAfterMove").asBoolean(), flow.toString());
    }
    assertEquals(TCP_FLOWS + UDP_FLOWS, summary.path("flows").size());
  }

  /**
   * The outside server (its UDP socket bound to EXT_IP: answers must come from the address the flow
   * was sent to, or conntrack does not match them): TCP on TCP_PORT and UDP on UDP_PORT echo what
   * they get; it logs each flow's source once per (flow, source): {@code tcp|udp FLOW ADDR:PORT},
   * and {@code reset FLOW} when a connection is reset.
   */
  static String server(Path log) {
    return String.join(
        "\n",
        "import socket,selectors",
        "log=open('" + log + "','a',buffering=1)",
        "sel=selectors.DefaultSelector()",
        "t=socket.socket();t.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1)",
        "t.bind(('0.0.0.0'," + TCP_PORT + "));t.listen(128);t.setblocking(False)",
        "u=socket.socket(socket.AF_INET,socket.SOCK_DGRAM);u.bind(('"
            + EXT_IP
            + "',"
            + UDP_PORT
            + "))",
        "sel.register(t,selectors.EVENT_READ,'accept');sel.register(u,selectors.EVENT_READ,'udp')",
        "seen=set()",
        "def note(kind,flow,addr):",
        "  k=(kind,flow,addr)",
        "  if k not in seen:",
        "    seen.add(k);log.write('%s %s %s:%d\\n'%(kind,flow,addr[0],addr[1]))",
        "while True:",
        "  for key,_ in sel.select():",
        "    if key.data=='accept':",
        "      c,a=t.accept();c.setblocking(False);sel.register(c,selectors.EVENT_READ,('tcp',a))",
        "    elif key.data=='udp':",
        "      d,a=u.recvfrom(2048);note('udp',d.decode().strip(),a);u.sendto(d,a)",
        "    else:",
        "      c=key.fileobj;a=key.data[1]",
        "      try:",
        "        d=c.recv(2048)",
        "      except ConnectionResetError:",
        "        log.write('reset %s:%d\\n'%a);sel.unregister(c);c.close();continue",
        "      if not d:",
        "        sel.unregister(c);c.close();continue",
        "      note('tcp',d.decode().split()[0],a);c.send(d)",
        "");
  }

  /**
   * The pod's client: TCP_FLOWS connections and UDP_FLOWS sockets, a message on each every 50 ms
   * for seconds; prints one JSON line: per flow, the longest gap between answers, the first error
   * and whether it was answered in the last second (after the move).
   */
  static String client(int seconds) {
    return String.join(
        "\n",
        "import socket,time,json,select",
        "dst='" + EXT_IP + "'",
        "flows=[]",
        "for i in range(" + TCP_FLOWS + "):",
        "  s=socket.create_connection((dst," + TCP_PORT + "),timeout=5);s.setblocking(False)",
        "  flows.append({'name':'t%d'%i,'sock':s,'tcp':True})",
        "for i in range(" + UDP_FLOWS + "):",
        "  s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM);s.setblocking(False)",
        "  flows.append({'name':'u%d'%i,'sock':s,'tcp':False})",
        "start=time.time();end=start+" + seconds,
        "for f in flows:",
        "  f.update(last=start,gap=0.0,error='',lastAnswer=0.0)",
        "nxt=start",
        "while time.time()<end:",
        "  now=time.time()",
        "  if now>=nxt:",
        "    nxt=now+0.05",
        "    for f in flows:",
        "      if f['error']: continue",
        "      msg=(f['name']+'\\n').encode()",
        "      try:",
        "        f['sock'].send(msg) if f['tcp'] else f['sock'].sendto(msg,(dst," + UDP_PORT + "))",
        "      except BlockingIOError: pass",
        "      except OSError as e: f['error']=repr(e)",
        "  r,_,_=select.select([f['sock'] for f in flows if not f['error']],[],[],0.01)",
        "  for f in flows:",
        "    if f['sock'] in r:",
        "      try:",
        "        d=f['sock'].recv(65536)",
        "        if f['tcp'] and not d: f['error']='closed'; continue",
        "      except BlockingIOError: continue",
        "      except OSError as e: f['error']=repr(e); continue",
        "      t=time.time();f['gap']=max(f['gap'],t-f['last']);f['last']=t;f['lastAnswer']=t",
        "out=[{'name':f['name'],'maxGapMs':int(f['gap']*1000),'error':f['error'],"
            + "'answeredAfterMove':f['lastAnswer']>end-1} for f in flows]",
        "print(json.dumps({'flows':out}))",
        "");
  }
}
