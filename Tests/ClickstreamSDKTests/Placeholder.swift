// Tests of the Clickstream SDK.
