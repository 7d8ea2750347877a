import test from 'ava';
import { noProxyMatches, proxyFor } from '../../../../agent/connection/proxy.js';

test('the configured proxy wins over HTTPS_PROXY', (t) => {
  t.is(proxyFor('wss://reset.example.com/a', 'http://cfg:3128', { HTTPS_PROXY: 'http://env:3128' }), 'http://cfg:3128');
  t.is(proxyFor('wss://reset.example.com/a', null, { HTTPS_PROXY: 'http://env:3128' }), 'http://env:3128');
  t.is(proxyFor('wss://reset.example.com/a', null, { https_proxy: 'http://low:3128' }), 'http://low:3128');
  t.is(proxyFor('wss://reset.example.com/a', null, {}), null);
});

test('NO_PROXY matches hosts and domain suffixes, not look-alikes', (t) => {
  t.true(noProxyMatches('reset.example.com', 'example.com'));
  t.true(noProxyMatches('reset.example.com', '.example.com'));
  t.true(noProxyMatches('example.com', '.example.com'));
  t.true(noProxyMatches('localhost', 'foo, localhost:443'));
  t.true(noProxyMatches('anything', '*'));
  t.false(noProxyMatches('badexample.com', 'example.com'));
  t.is(proxyFor('wss://reset.example.com/a', null, { HTTPS_PROXY: 'http://env:3128', NO_PROXY: 'example.com' }), null);
});
