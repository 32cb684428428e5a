// The curves of the `scale` scenario, in the order they run; `--scale` picks among them by name.
import type { ScaleRunner } from './curve';
import { fanoutRunner } from './fanout';
import { historyRunner } from './history';
import { streamsRunner } from './streams';
import { twoInstancesRunner } from './two-instances';
import { importRunner, linkRunner } from './users';

export const SCALE_RUNNERS: ScaleRunner[] = [historyRunner, fanoutRunner, importRunner, linkRunner, streamsRunner, twoInstancesRunner];
