// The bridge's own API tests of homes, members, devices and invitations, run again against a MODE
// that pages every list by 2 and whose members carry no homeId (MODE's model), so that the bridge
// and its emulator can never again agree on something MODE does not do.
process.env.TEST_EMULATOR_MODES = JSON.stringify({ pageSize: 2, memberHomeId: false });

describe('homes, MODE paging by 2', () => {
  require('./homes.test');
});
describe('members, MODE paging by 2', () => {
  require('./members.test');
});
describe('devices, MODE paging by 2', () => {
  require('./devices.test');
});
describe('invitations, MODE paging by 2', () => {
  require('./invitations.test');
});
