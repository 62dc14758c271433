"""Rules: pure translations of Hadoop artefacts (HiveQL, Oozie, Ranger) into platform artefacts. No I/O."""
