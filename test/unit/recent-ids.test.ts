import { RecentIds } from '../../src/modules/stream/recent-ids';

test('when an ID comes again within the last capacity IDs, then it is refused; once older, it is new again', () => {
  const recent = new RecentIds(3);
  expect(['a', 'b', 'c'].map((id) => recent.add(id))).toEqual([true, true, true]);
  expect(recent.add('a')).toBe(false);
  expect(recent.add('d')).toBe(true); // a, the oldest, is forgotten
  expect(recent.add('a')).toBe(true); // and b with it
  expect(recent.add('c')).toBe(false);
  expect(recent.add('b')).toBe(true);
  expect(recent.add('c')).toBe(true);
});

test('when many more IDs than the capacity pass, then exactly the last capacity of them are remembered, oldest forgotten first', () => {
  const recent = new RecentIds(100);
  for (let i = 0; i < 1_000; i++) expect(recent.add(`id-${i}`)).toBe(true);
  expect(recent.add('id-900')).toBe(false);
  expect(recent.add('id-999')).toBe(false);
  expect(recent.add('id-899')).toBe(true);
  expect(recent.add('id-900')).toBe(true);
  expect(recent.add('id-901')).toBe(true);
  expect(recent.add('id-999')).toBe(false);
});
