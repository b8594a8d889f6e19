"""What a source of pipelines is and does: snapshot, health, selection, actions, follows."""
