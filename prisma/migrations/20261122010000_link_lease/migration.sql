-- AlterTable
ALTER TABLE "mode_links" ADD COLUMN     "lease_until" TIMESTAMPTZ(3);

