-- CreateTable
CREATE TABLE "device_latest_events" (
    "device_id" INTEGER NOT NULL,
    "event_type" TEXT NOT NULL,
    "home_id" INTEGER NOT NULL,
    "event_id" BIGINT NOT NULL,
    "event_data" JSONB NOT NULL,
    "timestamp" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "device_latest_events_pkey" PRIMARY KEY ("device_id","event_type")
);

-- CreateIndex
CREATE INDEX "device_latest_events_home_id_idx" ON "device_latest_events"("home_id");

