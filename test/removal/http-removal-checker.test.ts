import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPublicAddress } from '../../shared/adapters/http/address-policy.ts';
import { HttpRemovalChecker } from '../../shared/adapters/http/http-removal-checker.ts';
import { startSite, type SiteServer } from './site-server.ts';

let site: SiteServer;
beforeAll(async () => {
  site = await startSite();
});
afterAll(() => site.close());

/** The local runtime's checker: http and loopback allowed, a short deadline. */
const local = new HttpRemovalChecker({ allowLocal: true, timeoutMs: 1_000 });

describe('one look at a URL (real HTTP server)', () => {
  it('reads the status: 410 and 404 are answers, 200 is an answer', async () => {
    expect(await local.check(site.url('/gone'))).toEqual({ kind: 'status', status: 410 });
    expect(await local.check(site.url('/missing'))).toEqual({ kind: 'status', status: 404 });
    expect(await local.check(site.url('/live'))).toEqual({ kind: 'status', status: 200 });
  });

  it('does not follow a redirect: the 301 is the answer and its target is never fetched', async () => {
    const before = site.hits('/gone');
    expect(await local.check(site.url('/moved'))).toEqual({ kind: 'status', status: 301 });
    expect(site.hits('/moved')).toBeGreaterThan(0);
    expect(site.hits('/gone')).toBe(before);
  });

  it('gives up on a server that never answers, with an error', async () => {
    const checker = new HttpRemovalChecker({ allowLocal: true, timeoutMs: 300 });
    expect(await checker.check(site.url('/hang'))).toEqual({ kind: 'error', reason: 'no answer in time' });
    expect(site.hits('/hang')).toBe(1);
  });

  it('reads no body: a 1 GiB page is answered by its status and the connection is dropped long before its end', async () => {
    expect(await local.check(site.url('/huge'))).toEqual({ kind: 'status', status: 200 });
    await site.huge.closed;
    expect(site.huge.cutShort).toBe(true);
    expect(site.huge.written).toBeLessThan(1024 ** 3);
  });

  it('connects to the address it checked, with the name as Host', async () => {
    const port = new URL(site.url('/')).port;
    const checker = new HttpRemovalChecker({ allowLocal: true, timeoutMs: 1_000, resolve: async () => ['127.0.0.1'] });
    expect(await checker.check(`http://site.partner.example.com:${port}/gone`)).toEqual({ kind: 'status', status: 410 });
  });
});

describe('what a deployed checker refuses, without connecting', () => {
  const deployed = new HttpRemovalChecker({ timeoutMs: 1_000 });

  it('http, loopback, private, link-local and reserved names; nothing reaches the server', async () => {
    const port = new URL(site.url('/')).port;
    const before = site.connections();
    const refused = [
      site.url('/live'),
      `https://127.0.0.1:${port}/live`,
      `https://[::1]:${port}/live`,
      `https://[::ffff:127.0.0.1]:${port}/live`,
      `https://localhost:${port}/live`,
      `https://localhost.:${port}/live`,
      'https://169.254.169.254/latest/meta-data/',
      'https://10.1.2.3/p/1',
      'https://192.168.1.1/p/1',
      'https://[fd00::1]/p/1',
      'https://example.invalid/p/17895',
      'https://user:secret@cdn.partner.example.com/p/1',
      'ftp://cdn.partner.example.com/p/1',
      'not a url',
    ];
    for (const url of refused) expect((await deployed.check(url)).kind, url).toBe('refused');
    expect(site.connections()).toBe(before);
  });

  it('a name with any private address among its answers is refused, and says which', async () => {
    const checker = new HttpRemovalChecker({ resolve: async () => ['93.184.216.34', '10.0.0.7'] });
    expect(await checker.check('https://cdn.partner.example.com/p/1')).toEqual({
      kind: 'refused',
      reason: 'cdn.partner.example.com resolves to 10.0.0.7, which is not a public address',
    });
  });

  it('a 300 KB url is refused without a request', async () => {
    const before = site.connections();
    const probe = await local.check(`${site.url('/live')}?q=${'a'.repeat(300_000)}`);
    expect(probe).toEqual({ kind: 'refused', reason: 'url is longer than 2048 characters' });
    expect(site.connections()).toBe(before);
  });
});

describe('which addresses are public', () => {
  it('refuses private, loopback, link-local, shared and mapped forms; allows public ones', () => {
    for (const a of [
      '127.0.0.1',
      '10.0.0.1',
      '172.16.5.4',
      '192.168.0.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '::1',
      '::',
      'fe80::1',
      'fc00::1',
      '::ffff:10.0.0.1',
      '224.0.0.1',
      'not-an-ip',
    ])
      expect(isPublicAddress(a), a).toBe(false);
    for (const a of ['93.184.216.34', '1.1.1.1', '2606:4700:4700::1111']) expect(isPublicAddress(a), a).toBe(true);
  });
});
