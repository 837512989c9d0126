// Can a declared target federate with the suite's fake homeserver (HTTPS, self-signed, on
// loopback)? Starts the target and the fake server in one process (so the target is handed the
// fake server's certificate), then tries each direction and prints what happened:
//   npx tsx test/targets/federation-probe.ts fixtures/targets/palpo.yaml
import { loadTargetFile, startDeclaredTarget } from '../../src/targets/declarative.ts';
import { FakeHomeserver, buildReceiptEdu } from '../../src/federation/fake-server.ts';
import { MatrixApi, enc } from '../../src/client/matrix.ts';
import { makeRegistrar } from '../../src/client/register.ts';

const file = process.argv[2];
if (!file) throw new Error('usage: federation-probe.ts TARGET_FILE');
const spec = loadTargetFile(file);
const handle = await startDeclaredTarget(spec, { reportDir: `/tmp/rc-fedprobe-${spec.name}`, log: (l) => console.log(`[target] ${l}`) });
const fake = await FakeHomeserver.start({ target: { serverName: handle.serverName!, baseUrl: handle.baseUrl }, log: (l) => console.log(`[fake] ${l}`) });
const step = async (what: string, f: () => Promise<unknown>) => {
  try {
    const r = await f();
    console.log(`PROBE ok   ${what}${r === undefined ? '' : `: ${JSON.stringify(r).slice(0, 300)}`}`);
    return true;
  } catch (err) {
    console.log(`PROBE FAIL ${what}: ${(err as Error).message.slice(0, 400)}`);
    return false;
  }
};
try {
  const api = new MatrixApi({ baseUrl: handle.baseUrl, pathVersion: handle.pathVersion ?? 'v3' });
  const alice = await makeRegistrar(api, handle.registration).register(`probe${Date.now() % 100000}_alice`);
  const room = await alice.createRoom({ preset: 'public_chat' });
  const roomId = room.json.room_id as string;
  console.log(`room ${roomId} (create: ${room.status})`);
  const remote = fake.userId('remote');
  await step('server key of the target over plain HTTP', async () => (await fake.federationRequest('GET', '/_matrix/key/v2/server')).status);
  // Outbound HTTPS from the target: it must fetch the fake server's key to verify our request.
  const joined = await step('fake server joins a room on the target (target verifies our X-Matrix: outbound HTTPS for our keys)', () => fake.joinRoom(roomId, remote));
  if (joined) {
    const since = fake.received.pdus.length;
    const sent = await alice.sendEvent(roomId, 'm.room.message', { msgtype: 'm.text', body: 'hello' }, `p${Date.now()}`);
    await step('target sends a PDU to the fake server (outbound /send over HTTPS)', async () => (await fake.waitForPdu((p) => p.roomId === roomId && p.event.type === 'm.room.message', { timeoutMs: 20_000, since })).eventId);
    const eduSince = fake.received.edus.length;
    await alice.call('POST', `/rooms/${enc(roomId)}/receipt/m.read/${enc(sent.json.event_id)}`, { json: {} });
    await step('target sends an m.receipt EDU for a local receipt', async () => (await fake.waitForEdu((e) => e.edu_type === 'm.receipt', { timeoutMs: 20_000, since: eduSince })).content);
    await step('fake server sends an m.receipt EDU in (accepted by /send)', async () => {
      const res = await fake.sendTransaction({ edus: [buildReceiptEdu(roomId, remote, [sent.json.event_id])] });
      if (res.status !== 200) throw new Error(`${res.status} ${JSON.stringify(res.body)}`);
      return res.status;
    });
  }
} finally {
  await fake.stop();
  await handle.stop();
}
