// What a dapp frontend does with DCU's published metadata, with nothing but
// @polkadot/api-contract: read the deployment manifest `dcu deploy` wrote,
// load each contract's metadata bundle from deploy/artifacts/<network>/, and
// query the live node. Prints one JSON document; exits non-zero with one
// sentence on stderr when anything fails.
//
//   node check.mjs --manifest deploy/local.json --account <SS58> [--url ws://127.0.0.1:9944]
//
// deploy/setup.sh installs it with its npm packages under ~/.dcu/dapp-check;
// e2e-tests/tests/dapp.rs compares its answers with dcu's.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ApiPromise, WsProvider } from '@polkadot/api';
import { ContractPromise } from '@polkadot/api-contract';

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

function fail(sentence) {
  process.stderr.write(`error: ${sentence}\n`);
  process.exit(1);
}

const manifestPath = arg('manifest');
const account = arg('account');
if (!manifestPath || !account) fail('usage: node check.mjs --manifest deploy/local.json --account <SS58> [--url ws://…]');
let manifest;
try {
  manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
} catch (e) {
  fail(`cannot read the manifest ${manifestPath}: ${e.message}`);
}
const url = arg('url', manifest.url);
setTimeout(() => fail(`no answer from the node at ${url} within 60 s`), 60_000).unref();
const provider = new WsProvider(url, 1_000);
const api = await ApiPromise.create({ provider, noInitWarn: true, throwOnConnect: true }).catch((e) => fail(`no node at ${url}: ${e.message}`));

/** A contract handle from the manifest and its published metadata. */
function contract(name) {
  const c = manifest.contracts?.[name];
  if (!c) fail(`the manifest has no ${name}`);
  const abi = JSON.parse(readFileSync(resolve(dirname(manifestPath), c.metadata), 'utf8'));
  return new ContractPromise(api, abi, c.address);
}

/** Dry-runs a message and returns its decoded `Ok` value. */
async function query(c, message, ...args) {
  const gasLimit = api.registry.createType('WeightV2', { refTime: 500_000_000_000n, proofSize: 5_000_000n });
  const q = c.query[message];
  if (!q) fail(`the metadata has no message ${message}`);
  const { result, output } = await q(account, { gasLimit, storageDepositLimit: null }, ...args);
  if (result.isErr) fail(`${message} failed: ${result.asErr.toString()}`);
  if (!output.isOk) fail(`${message} returned ${output.toString()}`);
  // Messages returning Result<T, Error> have a second Ok to unwrap.
  const v = output.asOk;
  if (v.isOk !== undefined && v.asOk !== undefined) {
    if (v.isErr) fail(`${message} refused: ${v.asErr.toString()}`);
    return v.asOk;
  }
  return v;
}

const pool = contract('credit_pool');
const token = contract('stable_token');
const graph = contract('trust_graph');
const limit = await query(pool, 'creditLimit', account);
const available = await query(pool, 'available', account);
const balance = await query(token, 'psp22::balanceOf', account);
const symbol = await query(token, 'psp22Metadata::tokenSymbol');
const members = await query(graph, 'memberCount');
const messages = Object.fromEntries(
  Object.entries(manifest.contracts).map(([name]) => [name, contract(name).abi.messages.map((m) => m.identifier)]),
);
process.stdout.write(
  JSON.stringify(
    {
      url,
      account,
      credit_limit: limit.toBigInt().toString(),
      available: available.toBigInt().toString(),
      token_balance: balance.toBigInt().toString(),
      token_symbol: symbol.toHuman(),
      members: members.toNumber(),
      messages,
    },
    null,
    2,
  ) + '\n',
);
await api.disconnect();
process.exit(0);
