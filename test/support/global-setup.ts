import { prepareTemplate } from './database-template';

export default async function globalSetup(): Promise<void> {
  await prepareTemplate();
}
